"""Matching business names: the distinctive words decide, never a similarity ratio."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from apps.documents.extraction.text import distinctive_words, same_name


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        # 89% alike as strings (the old ratio said "same" at 88%): two businesses.
        ("Brightwater Energy Ltd", "Brightwater Joinery Ltd", False),
        # A distinctive word in its plural is another name: "Hollybush Bakeries Ltd" may be a
        # wholesaler in the same village; treating it as the business would post its bills as sales.
        ("Hollybush Bakeries Ltd", "Hollybush Bakery Ltd", False),
        ("Hollybush Bakery Ltd", "Hollybush Bakery Limited", True),
        ("Hollybush Bakery Ltd.", "HOLLYBUSH BAKERY", True),
        ("Marlow & Sons", "Marlow and Sons", True),
        ("Marlow & Sons Ltd", "Marlow and Son Limited", True),  # "& Son(s)" is a generic word
        ("Marlow & Sons", "Marlow", False),
        ("The Copper Kettle", "Copper Kettle Ltd", True),
        ("Hartley's Patisserie", "Hartleys Patisserie", True),
        ("Caf\u00e9 Rouge Ltd", "Cafe Rouge", True),
        ("H0llybush Bakery Ltd", "Hollybush Bakery Ltd", True),  # OCR read an o as a zero
        ("Marlow & Co", "Marlow Ltd", True),  # "& Co" says the entity, not the business
        ("Hollybush Bakery Ltd", "Hollybush Ltd", False),
        ("Ltd", "Limited", False),  # no distinctive word: nothing to match
        ("", "", False),
    ],
)
def test_names(a, b, same):
    assert same_name(a, b) is same
    assert same_name(b, a) is same


def test_distinctive_words_drop_legal_suffixes_and_fold_only_safe_plurals():
    assert distinctive_words("The Marlow & Sons Co Limited") == ("marlow", "and", "son")
    assert distinctive_words("Hollybush Bakeries Ltd") == ("hollybush", "bakeries")
    assert distinctive_words("Brothers Grimm Bros") == ("brother", "grimm", "brother")
    assert distinctive_words("Room 101 Ltd") == ("room", "101")  # digits alone stay digits


WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=10).filter(
    lambda w: w not in {"ltd", "plc", "llp", "llc", "inc", "cic", "and", "the", "company", "limited"}
)
NAME = st.lists(WORD, min_size=1, max_size=4).map(lambda words: " ".join(w.capitalize() for w in words))
SUFFIX = st.sampled_from(["", " Ltd", " Limited", " LTD.", " plc", " Co", " & Co", " Company", " LLP"])


@given(NAME, NAME)
def test_matching_is_symmetric(a, b):
    assert same_name(a, b) == same_name(b, a)


@given(NAME, SUFFIX, SUFFIX)
def test_legal_suffixes_never_matter(name, one, other):
    assert same_name(name + one, name.upper() + other)


@given(NAME, st.data())
def test_a_changed_distinctive_word_never_matches(name, data):
    words = name.split()
    i = data.draw(st.integers(0, len(words) - 1))
    replacement = data.draw(WORD).capitalize()
    assume(distinctive_words(replacement) != distinctive_words(words[i]))
    changed = " ".join([*words[:i], replacement, *words[i + 1 :]])
    assert not same_name(name + " Ltd", changed + " Ltd")


@given(NAME, WORD)
def test_an_extra_distinctive_word_never_matches(name, extra):
    assert not same_name(name, f"{name} {extra.capitalize()}")
