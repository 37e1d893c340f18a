"""Which failures are permanent, which transient, and which unexpected."""

from __future__ import annotations

import json
import sqlite3

import pytest
import sqlalchemy.exc
from aiokafka.errors import KafkaConnectionError, UnknownTopicOrPartitionError
from pydantic import BaseModel, ValidationError
from slrt_shared.errors import PermanentError, TransientError
from slrt_shared.failures import Paused, Reason, Undecodable, Unusable, is_transient, permanent_reason


def _operational() -> sqlalchemy.exc.OperationalError:
    return sqlalchemy.exc.OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked"))


def _validation_error() -> ValidationError:
    class Model(BaseModel):
        n: int

    with pytest.raises(ValidationError) as caught:
        Model.model_validate({"n": "x"})
    return caught.value


def _raised_while(handling: BaseException, raised: BaseException) -> BaseException:
    try:
        try:
            raise handling
        except BaseException:
            raise raised  # noqa: B904 - the implicit context is what is tested
    except BaseException as exc:
        return exc


@pytest.mark.parametrize("exc", [
    _operational(),
    ConnectionRefusedError(),
    TimeoutError(),
    TransientError("gateway away"),
    KafkaConnectionError(),
    _raised_while(ConnectionResetError(), RuntimeError("wrapped")),
])
def test_an_unavailable_dependency_is_transient(exc: BaseException) -> None:
    assert is_transient(exc)
    assert permanent_reason(exc) is None


@pytest.mark.parametrize(("exc", "reason"), [
    (Undecodable("not JSON"), Reason.UNDECODABLE),
    (Unusable(Reason.TOO_LARGE, "too large"), Reason.TOO_LARGE),
    (Unusable(Reason.UNKNOWN_TYPE, "unknown"), Reason.UNKNOWN_TYPE),
    (_validation_error(), Reason.INVALID),
    (PermanentError("refused"), Reason.REFUSED),
    # refused while the database was away is still refused: the permanent answer wins
    (_raised_while(_operational(), PermanentError("refused")), Reason.REFUSED),
])
def test_a_message_that_can_never_be_used_is_permanent(exc: BaseException, reason: Reason) -> None:
    assert permanent_reason(exc) is reason
    assert not is_transient(exc)


@pytest.mark.parametrize("exc", [KeyError("x"), ZeroDivisionError(), UnknownTopicOrPartitionError(),
                                 FileNotFoundError("x")])
def test_a_bug_is_neither(exc: BaseException) -> None:
    assert permanent_reason(exc) is None
    assert is_transient(exc) is isinstance(exc, UnknownTopicOrPartitionError)  # retriable by Kafka's word


@pytest.mark.parametrize("value", ["[" * 100_000, "1" * 5_000])
def test_python_itself_fails_to_read_some_json(value: str) -> None:
    """The exceptions a reader must treat as the message's fault, not as a reason to retry."""
    with pytest.raises((RecursionError, ValueError)):
        json.loads(value)


def test_paused_says_what_was_away_without_the_statement() -> None:
    why = Paused(_operational()).why
    assert why == "database unavailable (OperationalError)"
    assert "SELECT" not in why
    assert Paused(KafkaConnectionError()).why == "broker unavailable (KafkaConnectionError)"
