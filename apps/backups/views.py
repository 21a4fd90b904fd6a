"""Settings → Data & backups: where a business's data lives and how it is protected (issue #16)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.backups import presenters
from apps.permissions.decorators import permission_required_for


@require_GET
@permission_required_for("backups.view_data_and_backups")
def data_and_backups(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    return render(request, "backups/data_and_backups.html", presenters.data_and_backups())
