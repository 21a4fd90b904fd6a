"""Audit what Django's own machinery does: admin changes."""

from __future__ import annotations

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.db.models.signals import post_save
from django.dispatch import receiver

from apps.audit.services import record_event

_VERBS = {ADDITION: "added", CHANGE: "changed", DELETION: "deleted"}


@receiver(post_save, sender=LogEntry, dispatch_uid="audit.admin_log_entry")
def audit_admin_change(sender, instance: LogEntry, created: bool, **kwargs) -> None:
    if not created:
        return
    record_event(
        f"admin.object.{_VERBS.get(instance.action_flag, 'changed')}",
        actor=instance.user,
        target_type=f"{instance.content_type.app_label}.{instance.content_type.model}" if instance.content_type else "",
        target_id=str(instance.object_id or ""),
        extra={"object": instance.object_repr, "change": instance.get_change_message()},
    )
