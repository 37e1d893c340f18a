"""How long intake remembers idempotency keys, and the purge of older ones (``slrt_shared.purge``).

Two kinds of key share ``idempotency_keys``: an agency's ``Idempotency-Key`` over HTTP (scope ``http``), kept
``SLRT_IDEMPOTENCY_RETENTION_HOURS``, and a command's ``ce_source|ce_id`` from Kafka (scope ``command``), which
guards against the broker delivering the command again and so is kept as long as the inbox,
``SLRT_DEDUP_RETENTION_HOURS``. A retry with an HTTP key that was purged is a new request: it is answered with
the citizen's open case for the same needs (``200``, ``"linked": true``), or registers a new case if there is
none (the first one was closed meanwhile)."""

from __future__ import annotations

from slrt_shared.purge import Horizon, inbox_horizon

from slrt_intake.adapters import tables as t
from slrt_intake.settings import IntakeSettings

HTTP_SCOPE = "http"
COMMAND_SCOPE = "command"


def purge_horizons(settings: IntakeSettings) -> list[Horizon]:
    """What intake purges: its inbox and command keys after the dedup horizon, HTTP keys after theirs."""
    keys, scope = t.idempotency, t.idempotency.c.scope
    horizons = inbox_horizon(t.inbox, settings)
    if settings.dedup_retention:
        horizons.append(Horizon("idempotency_keys.command", keys, keys.c.created_at, settings.dedup_retention,
                                (scope == COMMAND_SCOPE,)))
    if settings.idempotency_retention:
        horizons.append(Horizon("idempotency_keys.http", keys, keys.c.created_at, settings.idempotency_retention,
                                (scope == HTTP_SCOPE,)))
    return horizons
