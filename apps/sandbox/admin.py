"""Django admin for the sandbox data staff may want to add or inspect (companies, bank accounts, VRNs).

Tokens and codes are left out on purpose: they are hashes and nothing to edit.
"""

from __future__ import annotations

from django.contrib import admin

from apps.sandbox.models import BankAccount, Company, Fault, TestOrganisation, VatReturn


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("company_number", "company_name", "company_status")
    search_fields = ("company_number", "company_name")


@admin.register(BankAccount)
class BankAccountAdmin(admin.ModelAdmin):
    list_display = ("account_id", "holder_name", "company_number", "opened_on")


class VatReturnInline(admin.TabularInline):
    model = VatReturn
    extra = 0
    can_delete = False
    fields = ("period_key", "net_vat_due", "processing_date", "form_bundle_number")
    readonly_fields = fields


@admin.register(TestOrganisation)
class TestOrganisationAdmin(admin.ModelAdmin):
    list_display = ("vrn", "name", "stagger", "direct_debit", "bank_details", "created_at")
    search_fields = ("vrn", "name")
    inlines = [VatReturnInline]


@admin.register(Fault)
class FaultAdmin(admin.ModelAdmin):
    list_display = ("service", "outage", "rate_limited", "latency_ms", "error_rate", "updated_by", "updated_at")
