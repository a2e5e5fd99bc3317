"""Policies for you: a published policy note told to the members of every enterprise its tags match,
each enterprise exactly once."""

import logging
from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.notifications.services import notify
from portal.orgs.models import EnterpriseMembership

from .models import Entry, EntryStatus, Kind, PolicyNotice
from .selectors import enterprises_matching

logger = logging.getLogger(__name__)

# Enterprises registered this long after a policy was published are still told of it.
SWEEP_DAYS = 30
# Notices claimed and sent per transaction: a policy for every manufacturer of a province is told to tens of
# thousands of enterprises, one lock and one query of members per batch instead of per enterprise.
NOTICE_BATCH = 500


def policy_notify(*, entry_id: int) -> int:
    """Tell every matching enterprise's members about a published policy, each enterprise once: the
    ``PolicyNotice`` row is unique per policy and enterprise, and only the transaction that locks it unsent
    and stamps its ``sent_at`` sends (a batch at a time; another worker skips the locked rows). Returns how
    many enterprises were told now."""
    entry = Entry.objects.select_related("region").filter(pk=entry_id, kind=Kind.POLICY).first()
    if entry is None or entry.status != EntryStatus.PUBLISHED:
        return 0
    matching = enterprises_matching(entry).values_list("pk", flat=True)
    PolicyNotice.objects.bulk_create(
        [PolicyNotice(entry=entry, enterprise_id=pk) for pk in matching.iterator(chunk_size=1000)],
        ignore_conflicts=True,
        batch_size=1000,
    )
    url = reverse("knowledge:detail", args=[entry.pk])
    title = _("A new policy for your enterprise: %(title)s") % {"title": entry.title}
    told = 0
    while True:
        with transaction.atomic():
            # a batch of the unsent notices, locked: a worker running at the same time takes the next ones
            batch = dict(
                PolicyNotice.objects.filter(entry=entry, sent_at__isnull=True)
                .select_for_update(skip_locked=True)
                .order_by("pk")
                .values_list("pk", "enterprise_id")[:NOTICE_BATCH]
            )
            if not batch:
                break
            PolicyNotice.objects.filter(pk__in=list(batch)).update(sent_at=timezone.now())
            members = defaultdict(list)
            for membership in EnterpriseMembership.objects.filter(enterprise_id__in=batch.values()).select_related(
                "user"
            ):
                members[membership.enterprise_id].append(membership.user)
            for enterprise_id in batch.values():
                if members[enterprise_id]:
                    notify(
                        users=members[enterprise_id],
                        kind="policy_published",
                        url=url,
                        title=title,
                        dedupe_key=f"policy:{entry.pk}:{enterprise_id}",
                    )
            told += len(batch)
    logger.info("policy notices sent", extra={"entry": entry.pk, "enterprises": told})
    return told


def policy_sweep(now=None) -> int:
    """Run ``policy_notify`` again for the policies published in the last SWEEP_DAYS (idempotent)."""
    since = (now or timezone.now()) - timedelta(days=SWEEP_DAYS)
    ids = Entry.objects.published().filter(kind=Kind.POLICY, published_at__gte=since).values_list("pk", flat=True)
    return sum(policy_notify(entry_id=pk) for pk in ids)
