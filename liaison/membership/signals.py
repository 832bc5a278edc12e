"""Keeping a branch's derived `abroad` flag true when its organisation's country changes in the
Directory (the Directory knows nothing of branches; the branch listens)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from liaison.core import audit
from liaison.directory.models import Organisation


@receiver(post_save, sender=Organisation, dispatch_uid="membership-branch-abroad")
def branch_follows_its_country(sender: Any, instance: Organisation, **kwargs: Any) -> None:
    from liaison.membership.models import Branch
    from liaison.membership.services import is_abroad

    abroad = Branch.objects.filter(pk=instance.pk).values_list("abroad", flat=True).first()
    if abroad is not None and abroad != is_abroad(instance):
        audit.update_derived(Branch, instance.pk, abroad=not abroad)
