"""The OCR worker's warm-up before its pool forks (issue #18): no database, everything compiled once."""

from __future__ import annotations

from apps.documents.services import pipeline
from apps.ledger import rules_engine
from apps.ledger.default_rules import DEFAULT_RULES


def test_warm_up_compiles_the_default_rules_patterns_without_the_database():
    """No ``db`` fixture: any query would raise (pytest-django), as a query before the fork must not happen."""
    rules_engine._word_pattern.cache_clear()
    pipeline.warm_up()
    phrases = {p.strip() for rule in DEFAULT_RULES for p in (*rule.suppliers, *rule.keywords) if p.strip()}
    assert rules_engine._word_pattern.cache_info().currsize >= len(phrases) > 0
    assert rules_engine.compile_default_patterns() == len(phrases)
