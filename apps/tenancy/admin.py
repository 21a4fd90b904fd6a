"""Admin for the routing tables. Tenant-scoped models stay out of the admin: it has no tenant context.

Membership is read-only here: role changes go through the portal's services,
which enforce "at least one owner" and write to the tenant's own audit chain.
Every admin change is also audited (apps/audit/receivers.py).
"""

from django.contrib import admin

from apps.tenancy.models import Membership, Tenant


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    can_delete = False
    fields = ("user", "role", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "status", "vat_number", "company_number", "created_at")
    list_filter = ("status",)
    search_fields = ("name", "slug", "vat_number", "company_number")
    readonly_fields = ("id", "created_at", "updated_at")
    inlines = [MembershipInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Tenants are closed, never deleted: their audit chain and records must survive.
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "tenant", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "tenant__name", "tenant__slug")
    list_select_related = ("user", "tenant")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
