"""`record(...)`: the one call every service makes for a state change (SECURITY.md "Audit and integrity").

It joins the caller's transaction, so if the audit write fails the change rolls back with it, and a change
that rolls back leaves no audit row behind. The row goes on a free lane of the chain (models.py), held until
the caller's transaction ends: first the lane this connection used last (a transaction that writes several
rows keeps to the one it holds), else the first lane no one holds (`SKIP LOCKED`); only when every lane is
held does it wait. SQLite has one writer at a time and no row locks, so there the first choice always holds.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from skilleval.audit.models import AuditChainHead, AuditEntry, Outcome, canonical, chain_hash, lane_genesis
from skilleval.core import context
from skilleval.dbtools import insert_dicts


def record(
    actor: Any,
    action: str,
    target: Any = None,
    data: dict | None = None,
    *,
    outcome: str = Outcome.SUCCESS,
) -> AuditEntry:
    """Append one audit row. `actor` is a user or None (the system); `target` a model instance, a
    `(type, id)` or `(type, id, label)` tuple, or None; `action` a namespaced code such as
    `catalog.item.retire`."""
    ctx = context.current()
    target_type, target_id, target_label = _describe_target(target)
    # Round-trip through JSON now so the hash covers exactly what the database will give back.
    payload = json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))
    with transaction.atomic():
        head = _take_lane()
        entry = AuditEntry(
            lane=head.pk,
            seq=head.seq + 1,
            at=_now_utc_microseconds(),
            actor_id=getattr(actor, "pk", None),
            actor_label=_actor_label(actor),
            role=_actor_roles(actor),
            client_ip=ctx.client_ip if ctx else None,
            request_id=ctx.request_id if ctx else "",
            channel=ctx.channel if ctx else "system",
            action=action,
            target_type=target_type,
            target_id=target_id,
            target_label=target_label[:200],
            outcome=outcome,
            data=payload,
            prev_hash=head.last_hash,
        )
        entry.hash = entry.compute_hash()
        entry.save()
        head.seq = entry.seq
        head.last_hash = entry.hash
        head.save(update_fields=["seq", "last_hash"])
    return entry


def record_many(actor: Any, action: str, targets: list, data: list[dict] | None = None) -> int:
    """One audit row per target for one act on many objects (a group upload, a bulk decision), written
    under one lock of a lane's head and inserted together; the chain is the same as with `record`."""
    if not targets:
        return 0
    ctx = context.current()
    common = {
        "at": _now_utc_microseconds(),
        "actor_id": getattr(actor, "pk", None),
        "actor_label": _actor_label(actor),
        "role": _actor_roles(actor),
        "client_ip": ctx.client_ip if ctx else None,
        "request_id": ctx.request_id if ctx else "",
        "channel": ctx.channel if ctx else "system",
        "action": action,
        "outcome": Outcome.SUCCESS,
    }
    payloads: dict[int, dict] = {}  # the same dict passed for many targets is serialised once
    with transaction.atomic():
        head = _take_lane()
        chain = {"seq": head.seq, "hash": head.last_hash}

        def rows():
            # A generator: each row is chained and handed to the insert, never all held at once.
            for target, raw in zip(targets, data or [{}] * len(targets), strict=True):
                target_type, target_id, target_label = _describe_target(target)
                if id(raw) not in payloads:
                    payloads[id(raw)] = json.loads(json.dumps(raw or {}, cls=DjangoJSONEncoder))
                chain["seq"] += 1
                row = {
                    **common,
                    "seq": chain["seq"],
                    "target_type": target_type,
                    "target_id": target_id,
                    "target_label": target_label[:200],
                    "data": payloads[id(raw)],
                }
                row["prev_hash"], row["hash"] = chain["hash"], chain_hash(chain["hash"], canonical(row))
                row["lane"] = head.pk  # bound by the chain, not hashed (as in `record`)
                chain["hash"] = row["hash"]
                yield row

        written = insert_dicts(AuditEntry, rows())
        head.seq, head.last_hash = chain["seq"], chain["hash"]
        head.save(update_fields=["seq", "last_hash"])
    return written


def _take_lane() -> AuditChainHead:
    """Lock a lane's head for the caller's transaction (see the module's docstring)."""
    db = connections[DEFAULT_DB_ALIAS]
    heads = AuditChainHead.objects.select_for_update(skip_locked=True)
    last = getattr(db, "audit_lane", None)
    head = (last and heads.filter(pk=last).first()) or heads.order_by("pk").first()
    if head is None:  # every lane is held: wait for the one this connection knows, or the first
        waiting = AuditChainHead.objects.select_for_update()
        head = (last and waiting.filter(pk=last).first()) or waiting.order_by("pk").first()
    if head is None:
        raise AuditChainHead.DoesNotExist("the audit chain has no lanes: run manage.py migrate")
    db.audit_lane = head.pk
    return head


def _now_utc_microseconds() -> datetime:
    return timezone.now().astimezone(UTC)


def _describe_target(target: Any) -> tuple[str, str, str]:
    if target is None:
        return "", "", ""
    if isinstance(target, tuple):
        kind, pk, *label = target
        return str(kind), str(pk), str(label[0]) if label else ""
    meta = target._meta
    return f"{meta.app_label}.{meta.model_name}", str(target.pk), str(target)


def _actor_label(actor: Any) -> str:
    if actor is None:
        return "system"
    return getattr(actor, "get_username", lambda: str(actor))()


def _actor_roles(actor: Any) -> str:
    if actor is None or not getattr(actor, "pk", None):
        return ""
    names = sorted(actor.groups.values_list("name", flat=True))
    if getattr(actor, "is_superuser", False):
        names.insert(0, "superuser")
    return ",".join(names)


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str
    lane: int = 1


def verify_chain(*, batch_size: int = 5000) -> ChainBreak | None:
    """Walk every lane in order; return the first break (the lane, the row, and why), or None if the
    whole trail is intact."""
    heads = list(AuditChainHead.objects.order_by("pk"))
    for head in heads:
        broken = _verify_lane(head, batch_size)
        if broken is not None:
            return broken
    stray = AuditEntry.objects.exclude(lane__in=[h.pk for h in heads]).order_by("lane", "seq").first()
    if stray is not None:  # a row moved to a lane that has no head
        return ChainBreak(stray.seq, "link", stray.lane)
    return None


def _verify_lane(head: AuditChainHead, batch_size: int) -> ChainBreak | None:
    lane, prev_hash, expected_seq = head.pk, lane_genesis(head.pk), 1
    while True:
        rows = list(AuditEntry.objects.filter(lane=lane, seq__gte=expected_seq).order_by("seq")[:batch_size])
        if not rows:
            break
        for row in rows:
            if row.seq != expected_seq:
                return ChainBreak(expected_seq, "missing", lane)
            if row.prev_hash != prev_hash:
                return ChainBreak(row.seq, "link", lane)
            if row.compute_hash() != row.hash:
                return ChainBreak(row.seq, "content", lane)
            prev_hash = row.hash
            expected_seq += 1
    if head.seq != expected_seq - 1 or head.last_hash != prev_hash:
        # The newest rows were cut off, or the head was moved.
        return ChainBreak(expected_seq, "missing", lane)
    return None
