"""Banners follow the breakers: on when one opens, off when it closes, and never left on after recovery."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from waffle import switch_is_active

from apps.integrations import breaker_store, breakers
from apps.monitors import banners
from apps.monitors.tasks import sync_breaker_banners
from apps.observability.models import DegradedDependency, SyntheticRun
from tests.integrations.breaker_helpers import STORES, Clock, use_store

pytestmark = [
    pytest.mark.django_db(transaction=True),  # waffle flushes its switch cache on commit
    pytest.mark.usefixtures("fresh_switch_cache"),
]

Source = DegradedDependency.Source


@pytest.fixture(params=STORES)
def store(request, settings):
    use_store(settings, request.param)
    breakers.reset()
    yield request.param
    breakers.reset()


def open_breaker(key: str) -> None:
    for _ in range(3):
        breakers.acquire(key)
        breakers.record(key, "failure")


def close_by_trial(key: str, clock: Clock) -> None:
    clock.advance(31)
    breakers.acquire(key)
    breakers.record(key, "success")


def banner(key: str) -> DegradedDependency | None:
    return DegradedDependency.objects.filter(dependency=key).first()


def test_opening_sets_the_banner_and_closing_clears_it(store, clock):
    open_breaker("hmrc")
    notice = banner("hmrc")
    assert notice is not None and notice.source == Source.BREAKER
    assert "your return is saved and will be sent when it is back" in notice.message  # says what still works
    assert switch_is_active("hmrc_degraded")
    close_by_trial("hmrc", clock)
    assert banner("hmrc") is None
    assert not switch_is_active("hmrc_degraded")


def test_each_dependency_says_what_still_works(store, clock):
    open_breaker("bank_feed")
    open_breaker("companies_house")
    assert "bank lines will sync when it is back" in banner("bank_feed").message
    assert "you can carry on" in banner("companies_house").message


def test_a_failed_trial_keeps_the_banner(store, clock):
    open_breaker("bank_feed")
    clock.advance(31)
    breakers.acquire("bank_feed")
    breakers.record("bank_feed", "failure")
    assert banner("bank_feed").source == Source.BREAKER


def test_a_banner_staff_set_stays_under_staff_control(store, clock, staff_user):
    banners.set_degraded("hmrc", message="HMRC maintenance tonight.", source=Source.STAFF, user=staff_user)
    open_breaker("hmrc")
    assert banner("hmrc").message == "HMRC maintenance tonight."  # not overwritten
    close_by_trial("hmrc", clock)
    assert banner("hmrc").source == Source.STAFF and switch_is_active("hmrc_degraded")
    assert sync_breaker_banners() == {}


def test_a_synthetic_banner_goes_when_the_breaker_closes(store, clock):
    """Both automatic sources on the same outage: the banner must not stick after recovery."""
    banners.set_degraded("hmrc", source=Source.SYNTHETIC)
    open_breaker("hmrc")
    assert banner("hmrc").source == Source.SYNTHETIC
    close_by_trial("hmrc", clock)
    assert banner("hmrc") is None


def test_a_passing_check_or_a_stray_answer_does_not_clear_it_while_the_breaker_is_open(store, clock):
    banners.set_degraded("hmrc", source=Source.SYNTHETIC)
    open_breaker("hmrc")
    run = SyntheticRun.objects.create(check_name="filing", ok=True, duration_seconds=0.1, at=timezone.now())
    banners.react_to_check("hmrc", "filing", run)
    banners.dependency_answered("hmrc")  # a call that left before the breaker opened came back
    assert banner("hmrc") is not None
    close_by_trial("hmrc", clock)
    assert banner("hmrc") is None


def test_the_sweep_repairs_a_lost_announcement_both_ways(store, clock):
    """The process that changed the state died before it wrote the banner: the shared state is the truth."""
    cfg = breakers.config("bank_feed")
    shared = breaker_store.current()
    for _ in range(3):  # straight to the store: no transition is announced
        shared.record("bank_feed", cfg, "failure", clock())
    assert breakers.is_open("bank_feed") and banner("bank_feed") is None
    assert sync_breaker_banners() == {"bank_feed": "set"}
    assert banner("bank_feed").source == Source.BREAKER
    breakers.reset("bank_feed")  # closed elsewhere, silently
    assert sync_breaker_banners() == {"bank_feed": "cleared"}
    assert banner("bank_feed") is None and not switch_is_active("bank_feed_degraded")
    assert sync_breaker_banners() == {}


def test_the_sweep_leaves_synthetic_banners_to_the_synthetic_checks(store, clock):
    banners.set_degraded("hmrc", source=Source.SYNTHETIC)
    assert sync_breaker_banners() == {}
    assert banner("hmrc").source == Source.SYNTHETIC


def test_users_see_the_breaker_banner_on_the_affected_pages(store, clock, owner_a, tenant_a, verified_client):
    member = verified_client(owner_a)
    open_breaker("bank_feed")
    home = member.get(reverse("tenancy:home", kwargs={"tenant_slug": tenant_a.slug})).content.decode()
    assert "bank lines will sync when it is back" in home
    close_by_trial("bank_feed", clock)
    home = member.get(reverse("tenancy:home", kwargs={"tenant_slug": tenant_a.slug})).content.decode()
    assert "bank lines will sync" not in home


def test_a_banner_failure_never_breaks_the_call(store, clock, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(banners, "set_degraded", broken)
    open_breaker("hmrc")  # the announcement's receiver raised; the breaker still opened
    assert breakers.is_open("hmrc")
