"""Three kinds of failure of a consumed message, and what each one gets.

- **Permanent**: the message itself can never be used (it cannot be decoded, is too large, has an unknown
  type, is invalid, or the domain refuses it). It goes to ``<topic>.dlt`` at once with its reason.
- **Transient**: something the message needs is briefly away (the database, the broker, a gateway). The
  message is never dead-lettered: its partition is paused and the same message is tried again with bounded
  backoff, so nothing behind it is skipped.
- **Unexpected**: anything else, a bug. Tried a few times, then dead-lettered with reason ``unexpected`` and
  counted, so one bad message never stops the flow and a fixed bug can replay it (``slrt dlt replay``).
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum

import sqlalchemy.exc
from aiokafka.errors import KafkaError
from pydantic import ValidationError
from slrt_contracts.envelope import EnvelopeError

from slrt_shared.errors import PermanentError, TransientError


class Reason(StrEnum):
    """Why a message went to the dead letters (header ``x-error-reason``)."""

    UNDECODABLE = "undecodable"  # not a CloudEvent, not JSON, not UTF-8, nested too deep, a number too long
    TOO_LARGE = "too_large"  # larger than SLRT_KAFKA_MAX_MESSAGE_BYTES
    UNKNOWN_TYPE = "unknown_type"  # a ce_type the contract does not know
    INVALID = "invalid"  # the data does not match its type's schema
    REFUSED = "refused"  # the domain refuses it: unauthorized, an unknown referral, a forbidden transition
    UNEXPECTED = "unexpected"  # the handler kept failing for a reason nobody foresaw


class Undecodable(EnvelopeError):
    """Reading the message raised; whatever the exception, a message that cannot be read never will be."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.reason = Reason.UNDECODABLE


class Unusable(EnvelopeError):
    """A message that no handler can use (too large, a type the contract or the consumer does not know)."""

    def __init__(self, reason: Reason, why: str) -> None:
        super().__init__(why)
        self.reason = reason


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


#: Errors of an unavailable dependency, wherever they come from.
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    TransientError,
    ConnectionError,  # includes the refused and reset connections of asyncpg, SMTP and HTTP clients
    TimeoutError,
    sqlalchemy.exc.OperationalError,  # PostgreSQL gone, SQLite locked
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.DisconnectionError,
    sqlalchemy.exc.TimeoutError,  # the pool had no connection to give
)


def _unavailable(exc: BaseException) -> bool:
    if isinstance(exc, _UNAVAILABLE):
        return True
    if isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, KafkaError) and getattr(exc, "retriable", False):
        return True
    if type(exc).__module__.startswith("asyncpg") and type(exc).__name__ in _ASYNCPG_UNAVAILABLE:
        return True
    if type(exc).__module__.startswith("httpx") and type(exc).__name__.endswith(("ConnectError", "Timeout",
                                                                                 "NetworkError")):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, FileNotFoundError | PermissionError)


_ASYNCPG_UNAVAILABLE = {
    "ConnectionDoesNotExistError", "CannotConnectNowError", "PostgresConnectionError", "ConnectionFailureError",
    "TooManyConnectionsError", "AdminShutdownError", "CrashShutdownError", "InterfaceError",
    "ConnectionRejectionError", "ClientCannotConnectError",
}


def is_transient(exc: BaseException) -> bool:
    """True when something the message needs was unavailable, anywhere in the exception's causes.

    A permanent error never is, even when it was raised while handling a transient one."""
    if permanent_reason(exc) is not None:
        return False
    return any(_unavailable(e) for e in _chain(exc))


def permanent_reason(exc: BaseException) -> Reason | None:
    """The dead-letter reason of a permanent failure; None when retrying may help."""
    if isinstance(exc, Undecodable | Unusable):
        return exc.reason
    if isinstance(exc, ValidationError):
        return Reason.INVALID
    if isinstance(exc, PermanentError):
        return Reason.REFUSED
    if isinstance(exc, EnvelopeError):
        return Reason.UNDECODABLE
    return None


class Paused(Exception):
    """Raised out of a handler: a dependency is away, so the message's partition waits and tries again."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(f"{type(cause).__name__}")
        self.cause = cause

    @property
    def why(self) -> str:
        return describe_unavailable(self.cause)


def describe_unavailable(exc: BaseException) -> str:
    """What was away, in words safe for ``/readyz`` and logs (no statement, no value)."""
    names = [type(e).__name__ for e in _chain(exc)]
    if any(isinstance(e, sqlalchemy.exc.SQLAlchemyError) or type(e).__module__.startswith(("asyncpg", "sqlite3"))
           for e in _chain(exc)):
        what = "database unavailable"
    elif any(isinstance(e, KafkaError) for e in _chain(exc)):
        what = "broker unavailable"
    elif any(type(e).__module__.startswith(("httpx", "aiosmtplib", "smtplib")) for e in _chain(exc)):
        what = "gateway unavailable"
    else:
        what = "dependency unavailable"
    return f"{what} ({names[0]})"
