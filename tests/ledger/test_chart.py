"""The chart of accounts: seeding, and the changes owners make (audited, system accounts protected)."""

from __future__ import annotations

import pytest
from django_scopes import ScopeError

from apps.ledger import chart, services
from apps.ledger.errors import AccountError
from apps.ledger.models import Account, JournalCounter
from apps.tenancy.errors import TenantContextError
from tests.helpers import audit_actions, audit_events

pytestmark = pytest.mark.django_db


def test_seeding_creates_the_default_chart_once(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        created = services.seed_chart_of_accounts(tenant_a)
        again = services.seed_chart_of_accounts(tenant_a)
        codes = list(Account.objects.values_list("code", flat=True))
        assert JournalCounter.objects.count() == 1
    assert len(created) == len(chart.DEFAULT_CHART)
    assert again == []
    assert sorted(codes) == sorted(spec.code for spec in chart.DEFAULT_CHART)
    assert audit_actions(tenant_a.pk) == ["ledger.chart.seeded"]


def test_seeding_keeps_renamed_accounts_and_adds_missing_ones(chart_a, in_tenant, owner_a):
    with in_tenant(chart_a):
        services.rename_account(account=Account.objects.get(code="461"), name="Office supplies", actor=owner_a)
        Account.objects.filter(code="495").delete()  # a chart that predates an account
        created = services.seed_chart_of_accounts(chart_a)
        assert [a.code for a in created] == ["495"]
        assert Account.objects.get(code="461").name == "Office supplies"


def test_system_and_vat_control_accounts_are_marked(chart_a, in_tenant):
    with in_tenant(chart_a):
        system = set(Account.objects.filter(is_system=True).values_list("code", flat=True))
        controls = dict(Account.objects.exclude(vat_control="").values_list("code", "vat_control"))
    assert system == {chart.BANK, chart.ACCOUNTS_RECEIVABLE, chart.ACCOUNTS_PAYABLE, chart.VAT_INPUT, chart.VAT_OUTPUT}
    assert controls == {chart.VAT_INPUT: "input", chart.VAT_OUTPUT: "output"}


def test_each_tenant_has_its_own_chart(chart_a, chart_b, in_tenant):
    with in_tenant(chart_b):
        assert Account.objects.count() == len(chart.DEFAULT_CHART)
        assert not Account.objects.filter(tenant=chart_a).exists()


def test_seeding_needs_the_tenants_own_context(tenant_a, tenant_b, in_tenant):
    with pytest.raises(TenantContextError):
        services.seed_chart_of_accounts(tenant_a)
    with in_tenant(tenant_b), pytest.raises(TenantContextError):
        services.seed_chart_of_accounts(tenant_a)


def test_accounts_are_invisible_outside_a_tenant(chart_a):
    with pytest.raises(ScopeError):
        Account.objects.count()


class TestOwnerChanges:
    def test_create_rename_deactivate_reactivate_are_audited(self, chart_a, in_tenant, owner_a):
        with in_tenant(chart_a):
            account = services.create_account(code="465", name="Cake decorations", type="expense", actor=owner_a)
            services.rename_account(account=account, name="Cake decorations and toppers", actor=owner_a)
            services.deactivate_account(account=account, actor=owner_a)
            services.deactivate_account(account=account, actor=owner_a)  # already inactive: nothing to record
            services.reactivate_account(account=account, actor=owner_a)
            account.refresh_from_db()
        assert (account.name, account.is_active) == ("Cake decorations and toppers", True)
        assert audit_actions(chart_a.pk)[1:] == [
            "ledger.account.created",
            "ledger.account.renamed",
            "ledger.account.deactivated",
            "ledger.account.reactivated",
        ]
        renamed = audit_events(chart_a.pk, action="ledger.account.renamed")[0]
        assert '"before":{"account":"465","is_active":true,"name":"Cake decorations"' in renamed.body

    @pytest.mark.parametrize(
        ("code", "name", "type_", "message"),
        [
            ("461", "Duplicate", "expense", "already used by Printing and stationery"),
            ("46", "Too short", "expense", "three to six digits"),
            ("46A", "Letters", "expense", "three to six digits"),
            ("466", "  ", "expense", "Give the account a name"),
            ("466", "Odd", "spending", "not an account type"),
        ],
    )
    def test_bad_new_accounts_are_refused(self, chart_a, in_tenant, owner_a, code, name, type_, message):
        with in_tenant(chart_a):
            before = Account.objects.count()
            with pytest.raises(AccountError, match=message):
                services.create_account(code=code, name=name, type=type_, actor=owner_a)
            assert Account.objects.count() == before

    @pytest.mark.parametrize("code", sorted({"090", "610", "800", "820", "821"}))
    def test_system_accounts_cannot_be_deactivated_or_retyped(self, chart_a, in_tenant, owner_a, code):
        with in_tenant(chart_a):
            account = Account.objects.get(code=code)
            with pytest.raises(AccountError, match="system account"):
                services.deactivate_account(account=account, actor=owner_a)
            with pytest.raises(AccountError, match="system account"):
                services.change_account_type(account=account, type="equity", actor=owner_a)
            services.rename_account(account=account, name="Renamed but still here", actor=owner_a)
            account.refresh_from_db()
            assert (account.is_active, account.name) == (True, "Renamed but still here")

    def test_retype_only_before_anything_is_posted(self, chart_a, in_tenant, owner_a):
        from datetime import date
        from decimal import Decimal

        with in_tenant(chart_a):
            fresh = services.create_account(code="466", name="Deposits", type="expense", actor=owner_a)
            services.change_account_type(account=fresh, type="asset", actor=owner_a)
            fresh.refresh_from_db()
            assert fresh.type == "asset"
            services.post_manual_entry(
                entry_date=date(2025, 1, 2),
                description="Deposit paid",
                lines=[
                    services.LineSpec("466", debit=Decimal("50.00")),
                    services.LineSpec("090", credit=Decimal("50.00")),
                ],
                actor=owner_a,
            )
            with pytest.raises(AccountError, match="already has postings"):
                services.change_account_type(account=fresh, type="expense", actor=owner_a)
