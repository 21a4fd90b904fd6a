"""Couplings between apps that import-linter does not check for us (decision 0009).

``make lint`` runs import-linter on the layers in ``.importlinter``. These tests
keep the rest honest:

- a cross-app import inside a function hides a dependency from a reader of the
  module's imports; one is allowed only with a comment on its line that names
  the import cycle it breaks (Django's ``AppConfig.ready`` is the exception:
  the app registry is not ready at module import time);
- cross-app foreign keys and signal receivers couple apps without an import in
  the direction of the dependency, so they are written down here: a new one
  fails until it is added to the snapshot (and a removed one until it is
  taken out), which makes the coupling a reviewed decision.
"""

from __future__ import annotations

import ast
import configparser
import gc
import sys
import weakref
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.dispatch import Signal

ROOT = Path(__file__).resolve().parent.parent
APPS = ROOT / "apps"


# TEMPORARY, delete at the merge: files another branch of the same issue is moving into apps.staff_console
# and apps.devtools (the top layer), where their imports are for that branch to settle.
def _sources() -> list[Path]:
    return sorted(p for p in APPS.rglob("*.py") if "migrations" not in p.parts)


def function_level_cross_app_imports(path: Path, root: Path = ROOT) -> list[str]:
    """``file:line module`` for each import of another app inside a function, without a cycle comment."""
    text = path.read_text()
    lines = text.splitlines()
    tree = ast.parse(text)
    own = path.relative_to(root).parts[1]
    found: list[str] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name)
                continue
            if function is not None and isinstance(child, ast.Import | ast.ImportFrom):
                modules = [child.module or ""] if isinstance(child, ast.ImportFrom) else [a.name for a in child.names]
                for module in modules:
                    parts = module.split(".")
                    if parts[0] != "apps" or len(parts) < 2 or parts[1] == own:
                        continue
                    if function == "ready" and path.name == "apps.py":
                        continue
                    statement = "\n".join(lines[child.lineno - 1 : child.end_lineno])
                    if "#" in statement and "cycle" in statement.split("#", 1)[1].lower():
                        continue
                    found.append(f"{path.relative_to(root)}:{child.lineno} {module}")
            visit(child, function)

    visit(tree, None)
    return found


def test_cross_app_imports_are_at_module_level():
    hidden = [hit for path in _sources() for hit in function_level_cross_app_imports(path)]
    assert hidden == [], (
        "Import other apps at the top of the module (the layers in .importlinter say which), or, if it truly "
        "breaks an import cycle, say which cycle in a comment on the import line:\n" + "\n".join(hidden)
    )


def test_the_checker_finds_a_hidden_import_and_accepts_a_named_cycle(tmp_path):
    module = tmp_path / "apps" / "ledger" / "probe.py"  # the owning app is read from the path
    module.parent.mkdir(parents=True)
    module.write_text(
        "def a():\n"
        "    from apps.filing import domain\n"
        "def b():\n"
        "    from apps.filing import models  # cycle: filing.models imports this module at load\n"
        "def c():\n"
        "    from apps.ledger import models\n"
    )
    assert function_level_cross_app_imports(module, root=tmp_path) == ["apps/ledger/probe.py:2 apps.filing"]


def test_the_apps_above_fill_the_registries_below_them():
    """The edges turned round by a registry hold only if the upper app registers in its ``ready``."""
    from apps.documents.services.ledger_files import DocumentFileGate
    from apps.filing.calculation import correction_warnings_on
    from apps.filing.selectors import frozen_periods
    from apps.ledger.services.attachments import file_gate
    from apps.ledger.services.periods import registered_sources
    from apps.monitors.collectors import PRODUCT_COLLECTORS
    from apps.observability.collectors import scrape_time_collectors

    assert registered_sources() == ((frozen_periods,), (correction_warnings_on,))
    assert isinstance(file_gate(), DocumentFileGate)
    kinds = {type(collector) for collector in scrape_time_collectors()}
    assert set(PRODUCT_COLLECTORS) <= kinds


# --- couplings import-linter cannot see ---------------------------------------------------------------------

# "<app>.<Model>.<field> -> <app>.<Model>": a relation from one of our models to another app's model.
CROSS_APP_RELATIONS: set[str] = {
    "accounts.User.groups -> auth.Group",
    "accounts.User.user_permissions -> auth.Permission",
    "documents.Document.reviewed_by -> accounts.User",
    "permissions.AccessElevation.approver -> accounts.User",
    "permissions.AccessElevation.ended_by -> accounts.User",
    "permissions.AccessElevation.requester -> accounts.User",
    "permissions.AccessElevation.reviewed_by -> accounts.User",
    "permissions.AccessElevation.tenant -> tenancy.Tenant",
    "permissions.AccessReviewItem.decided_by -> accounts.User",
    "permissions.AccessReviewItem.reviewer -> accounts.User",
    "permissions.AccessReviewItem.subject -> accounts.User",
    "permissions.StaffRoleGrant.granted_by -> accounts.User",
    "permissions.StaffRoleGrant.user -> accounts.User",
    "documents.Document.tenant -> tenancy.Tenant",
    "documents.Document.uploaded_by -> accounts.User",
    "documents.DocumentSearchToken.tenant -> tenancy.Tenant",
    "documents.KnownSupplier.tenant -> tenancy.Tenant",
    "documents.TaskRun.tenant -> tenancy.Tenant",
    "filing.FilingPeriodOverview.tenant -> tenancy.Tenant",
    "filing.SubmissionAttempt.tenant -> tenancy.Tenant",
    "filing.VatObligation.tenant -> tenancy.Tenant",
    "filing.VatReturn.approved_by -> accounts.User",
    "filing.VatReturn.prepared_by -> accounts.User",
    "filing.VatReturn.tenant -> tenancy.Tenant",
    "filing.VatReturnLine.journal_line -> ledger.JournalLine",
    "filing.VatReturnLine.tenant -> tenancy.Tenant",
    "filing.VatSettings.tenant -> tenancy.Tenant",
    "filing.VatSettings.updated_by -> accounts.User",
    "integrations.HmrcConnection.connected_by -> accounts.User",
    "integrations.HmrcConnection.tenant -> tenancy.Tenant",
    "integrations.OAuthState.tenant -> tenancy.Tenant",
    "integrations.OAuthState.user -> accounts.User",
    "ledger.Account.tenant -> tenancy.Tenant",
    "ledger.AccountMonth.tenant -> tenancy.Tenant",
    "ledger.BankRule.created_by -> accounts.User",
    "ledger.BankRule.tenant -> tenancy.Tenant",
    "ledger.BankSettlement.created_by -> accounts.User",
    "ledger.BankSettlement.tenant -> tenancy.Tenant",
    "ledger.BankTransaction.handled_by -> accounts.User",
    "ledger.BankTransaction.tenant -> tenancy.Tenant",
    "ledger.JournalAttachment.tenant -> tenancy.Tenant",
    "ledger.JournalAttachment.uploaded_by -> accounts.User",
    "ledger.JournalCounter.tenant -> tenancy.Tenant",
    "ledger.JournalSearchToken.tenant -> tenancy.Tenant",
    "ledger.JournalEntry.created_by -> accounts.User",
    "ledger.JournalEntry.tenant -> tenancy.Tenant",
    "ledger.JournalLine.tenant -> tenancy.Tenant",
    "ledger.Rule.created_by -> accounts.User",
    "ledger.Rule.tenant -> tenancy.Tenant",
    "observability.DegradedDependency.set_by -> accounts.User",
    "onboarding.OnboardingProgress.review_decided_by -> accounts.User",
    "onboarding.OnboardingProgress.review_requested_by -> accounts.User",
    "onboarding.OnboardingProgress.started_by -> accounts.User",
    "onboarding.OnboardingProgress.tenant -> tenancy.Tenant",
    "security_center.TenantKey.tenant -> tenancy.Tenant",
    "tenancy.Invitation.accepted_by -> accounts.User",
    "tenancy.Invitation.invited_by -> accounts.User",
    "tenancy.Membership.user -> accounts.User",
    # backups (issue #16)
    "backups.RestoreDrill.requested_by -> accounts.User",
    # privacy (issue #15): requests about a person or a business, and who asked
    "privacy.PrivacyRequest.subject_user -> accounts.User",
    "privacy.PrivacyRequest.requested_by -> accounts.User",
    "privacy.PrivacyRequest.subject_tenant -> tenancy.Tenant",
}

# "<signal> [<sender>] -> <receiver>": a receiver in our apps, on any signal.
SIGNAL_RECEIVERS: set[str] = {
    "apps.integrations.signals.dependency_answered -> apps.monitors.banners.dependency_answered",
    # H1 (issue #17): an opening or closing breaker sets or clears its dependency's banner.
    "apps.integrations.signals.breaker_state_changed -> apps.monitors.banners.breaker_changed",
    "apps.ledger.signals.entry_reversed -> apps.documents.apps._document_entry_reversed",
    "apps.tenancy.signals.tenant_created -> apps.ledger.apps.LedgerConfig.ready.<locals>.seed_chart",
    "django.contrib.auth.signals.user_logged_in -> apps.accounts.receivers.audit_login",
    "django.contrib.auth.signals.user_logged_out -> apps.accounts.receivers.audit_logout",
    "django.contrib.auth.signals.user_login_failed -> apps.accounts.receivers.audit_login_failed",
    "django.db.models.signals.post_migrate [app tenancy] -> apps.tenancy.rls.on_post_migrate",
    "django.db.models.signals.post_save [admin.LogEntry] -> apps.audit.receivers.audit_admin_change",
    "django.db.models.signals.post_save [integrations.HmrcConnection] -> apps.security_center.crypto.fields._unmark_raw_save",  # noqa: E501
    "django.db.models.signals.pre_save [integrations.HmrcConnection] -> apps.security_center.crypto.fields._mark_raw_save",  # noqa: E501
    # Issue #15 (decision 0024): the documents' encrypted fields mark raw saves the same way.
    "django.db.models.signals.post_save [documents.Document] -> apps.security_center.crypto.fields._unmark_raw_save",
    "django.db.models.signals.pre_save [documents.Document] -> apps.security_center.crypto.fields._mark_raw_save",
    # Issue #12 (decision 0030): the known suppliers' sealed name and VAT number, the same way.
    "django.db.models.signals.post_save [documents.KnownSupplier] -> apps.security_center.crypto.fields._unmark_raw_save",  # noqa: E501
    "django.db.models.signals.pre_save [documents.KnownSupplier] -> apps.security_center.crypto.fields._mark_raw_save",
    # pii (decision 0025): every model with a sealed field gets the raw-save (loaddata) receivers.
    "django.db.models.signals.post_save [filing.VatReturn] -> apps.security_center.crypto.fields._unmark_raw_save",
    "django.db.models.signals.pre_save [filing.VatReturn] -> apps.security_center.crypto.fields._mark_raw_save",
    "django.db.models.signals.post_save [integrations.OAuthState] -> apps.security_center.crypto.fields._unmark_raw_save",  # noqa: E501
    "django.db.models.signals.pre_save [integrations.OAuthState] -> apps.security_center.crypto.fields._mark_raw_save",
    "django.db.models.signals.post_save [ledger.BankRule] -> apps.security_center.crypto.fields._unmark_raw_save",
    "django.db.models.signals.pre_save [ledger.BankRule] -> apps.security_center.crypto.fields._mark_raw_save",
    "django.db.models.signals.post_save [ledger.BankTransaction] -> apps.security_center.crypto.fields._unmark_raw_save",  # noqa: E501
    "django.db.models.signals.pre_save [ledger.BankTransaction] -> apps.security_center.crypto.fields._mark_raw_save",
    "django.db.models.signals.post_save [ledger.JournalEntry] -> apps.security_center.crypto.fields._unmark_raw_save",
    "django.db.models.signals.pre_save [ledger.JournalEntry] -> apps.security_center.crypto.fields._mark_raw_save",
    "django.db.models.signals.post_save [ledger.Rule] -> apps.security_center.crypto.fields._unmark_raw_save",
    "django.db.models.signals.pre_save [ledger.Rule] -> apps.security_center.crypto.fields._mark_raw_save",
    "django.db.models.signals.post_save [onboarding.OnboardingProgress] -> apps.security_center.crypto.fields._unmark_raw_save",  # noqa: E501
    "django.db.models.signals.pre_save [onboarding.OnboardingProgress] -> apps.security_center.crypto.fields._mark_raw_save",  # noqa: E501
    "django.core.signals.setting_changed -> apps.security_center.crypto.kek._forget_provider_on_settings_change",
    # Secrets (issue #15): each request's new database connections use the current rotated login.
    "django.core.signals.request_started -> apps.security_center.secrets.database.refresh_database_credentials",
}


def cross_app_relations() -> set[str]:
    found = set()
    for model in django_apps.get_models():
        if not model.__module__.startswith("apps."):
            continue
        for field in model._meta.get_fields(include_hidden=True):
            if field.auto_created or not field.is_relation or field.related_model is None:
                continue
            target = field.related_model._meta
            if target.app_label != model._meta.app_label:
                found.add(f"{model._meta.label}.{field.name} -> {target.label}")
    return found


def _signal_names() -> dict[int, str]:
    """A stable name for every Signal object any loaded module holds (its ``signals`` module's, if any)."""
    candidates: dict[int, list[str]] = {}
    for module_name, module in sorted(sys.modules.items()):
        for attr, value in list(vars(module).items()) if module is not None else []:
            if isinstance(value, Signal):
                candidates.setdefault(id(value), []).append(f"{module_name}.{attr}")

    def preference(name: str) -> tuple[int, bool, int, str]:
        home = 0 if name.startswith("django.") else 1 if name.startswith("apps.") else 2  # not a re-export
        return (home, not name.rsplit(".", 1)[0].endswith("signals"), len(name), name)

    return {key: min(names, key=preference) for key, names in candidates.items()}


def signal_receivers() -> set[str]:
    senders = {id(model): model._meta.label for model in django_apps.get_models()}
    senders |= {id(config): f"app {config.label}" for config in django_apps.get_app_configs()}
    names = _signal_names()
    found = set()
    # type(), not isinstance(): isinstance asks a lazy object for __class__, which evaluates it.
    for signal in (s for s in gc.get_objects() if issubclass(type(s), Signal) and id(s) in names):
        for entry in signal.receivers:
            lookup, receiver = entry[0], entry[1]
            if isinstance(receiver, weakref.ReferenceType):
                receiver = receiver()
            module = getattr(receiver, "__module__", "") or ""
            if receiver is None or not module.startswith("apps."):
                continue
            sender_id = lookup[1] if isinstance(lookup, tuple) else id(None)
            if sender_id != id(None) and sender_id not in senders:
                continue  # a model rebuilt from migration state (historical), not one of the app's models
            sender = senders.get(sender_id, "")
            label = f"{module}.{getattr(receiver, '__qualname__', type(receiver).__name__)}"
            found.add(f"{names[id(signal)]}{f' [{sender}]' if sender else ''} -> {label}")
    return found


def layer_order() -> list[str]:
    """Our apps' labels from the layers contract in .importlinter, bottom first."""
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    layers = config["importlinter:contract:layers"]["layers"].split()
    return [name.strip("()").split(".")[1] for name in reversed(layers) if name.strip("()").startswith("apps.")]


def test_cross_app_relations_point_down_the_layers():
    """A foreign key is a dependency like an import; only the user model is exempt (swappable: it is
    reached through settings.AUTH_USER_MODEL, so every layer may point at it)."""
    order = layer_order()
    user = settings.AUTH_USER_MODEL
    upward = []
    for relation in cross_app_relations():
        source, target = relation.split(" -> ")
        source_app, target_app = source.split(".")[0], target.split(".")[0]
        if target == user or target_app not in order:
            continue
        if order.index(target_app) > order.index(source_app):
            upward.append(relation)
    assert upward == []


@pytest.mark.parametrize(
    ("found", "snapshot", "what"),
    [
        pytest.param(cross_app_relations, "CROSS_APP_RELATIONS", "cross-app relations", id="relations"),
        pytest.param(signal_receivers, "SIGNAL_RECEIVERS", "signal receivers", id="receivers"),
    ],
)
def test_couplings_import_linter_cannot_see_are_written_down(found, snapshot, what):
    actual, expected = found(), globals()[snapshot]
    new, gone = sorted(actual - expected), sorted(expected - actual)
    assert not new and not gone, (
        f"The {what} changed; check the new coupling points down the layers (decision 0009), then update "
        f"{snapshot} in tests/test_layers.py.\nNew:\n  " + "\n  ".join(new) + "\nGone:\n  " + "\n  ".join(gone)
    )
