"""The audit trail: append-only, each row chained to the one before by a SHA-256 hash (SECURITY.md).

The trail is a few chains ("lanes"), each with its own head row, sequence and genesis hash, so concurrent
writers (a month's opening, when every institution submits at once) take a free lane instead of queueing on
one lock. A row's lane is bound by its chain: it links to the row before it in that lane, back to the
lane's own genesis. Lane 1's genesis is the original one, so the trail written before lanes is lane 1.

Actors and targets are stored by value, not by foreign key: the trail must outlive the rows it speaks of,
and a foreign key's ON DELETE would have to update rows that may never be updated.
"""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class Outcome(models.TextChoices):
    SUCCESS = "success", _("Success")
    FAILURE = "failure", _("Failure")
    DENIED = "denied", _("Denied")


def lane_genesis(lane: int) -> str:
    """Where a lane's chain starts: lane 1 at the original genesis, every other lane at its own."""
    return GENESIS_HASH if lane == 1 else hashlib.sha256(f"skilleval.audit.lane:{lane}".encode()).hexdigest()


class AuditEntry(models.Model):
    lane = models.PositiveSmallIntegerField(_("lane"), default=1)
    seq = models.BigIntegerField(_("sequence"))  # gap-free within its lane
    at = models.DateTimeField(_("time"), db_index=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, db_index=True)
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=200, blank=True)
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=32, blank=True)
    channel = models.CharField(_("channel"), max_length=16, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    target_type = models.CharField(_("object type"), max_length=80, blank=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    target_label = models.CharField(_("object"), max_length=200, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    data = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]
        constraints = [models.UniqueConstraint(fields=["lane", "seq"], name="audit_lane_seq")]

    def __str__(self):
        return f"#{self.lane}.{self.seq} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args, **kwargs):
        # The database refuses UPDATE as well (triggers in migration 0002); this says so earlier.
        if not self._state.adding:
            raise PermissionError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit entries are append-only")

    def compute_hash(self) -> str:
        return chain_hash(self.prev_hash, self.canonical_fields())

    def canonical_fields(self) -> dict:
        return canonical({name: getattr(self, name) for name in HASHED_FIELDS})


class AuditChainHead(models.Model):
    """One row per lane (its primary key is the lane's number), locked while an entry is appended to that
    lane, so two writers never chain onto the same parent. Migration 0003 made eight."""

    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self):
        return f"#{self.pk}.{self.seq} {self.last_hash[:12]}"


# What the hash covers: every field but the links themselves (prev_hash, hash).
HASHED_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_label",
    "role",
    "client_ip",
    "request_id",
    "channel",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "outcome",
    "data",
)


def canonical(values: dict) -> dict:
    return {**values, "at": values["at"].isoformat(timespec="microseconds")}


def canonical_json(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def chain_hash(prev_hash: str, fields: dict) -> str:
    return hashlib.sha256((prev_hash + canonical_json(fields)).encode()).hexdigest()
