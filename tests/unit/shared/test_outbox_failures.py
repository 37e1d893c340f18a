"""Which publish failures quarantine an outbox row (permanent) and which keep it in line (transient)."""

from __future__ import annotations

import pytest
from aiokafka import errors
from slrt_shared.outbox import InvalidTopicName, failure_kind


@pytest.mark.parametrize(("exc", "reason"), [
    (errors.MessageSizeTooLargeError("larger than max_request_size"), "too_large"),
    (errors.RecordTooLargeError(), "too_large"),
    (errors.InvalidTopicError(), "invalid_topic"),
    (InvalidTopicName("not a topic!"), "invalid_topic"),
    (errors.TopicAuthorizationFailedError("slrt.case.events"), "not_authorized"),
    (errors.PolicyViolationError(), "policy_violation"),
    (UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"), "unencodable"),
    (TypeError("headers"), "unencodable"),
])
def test_a_failure_no_retry_can_cure_is_permanent(exc: BaseException, reason: str) -> None:
    assert failure_kind(exc) == reason


@pytest.mark.parametrize("exc", [
    errors.KafkaConnectionError(), errors.KafkaTimeoutError(), errors.NoBrokersAvailable(),
    errors.NotLeaderForPartitionError(), errors.LeaderNotAvailableError(), errors.RequestTimedOutError(),
    errors.UnknownTopicOrPartitionError(), errors.NotEnoughReplicasError(), errors.KafkaStorageError(),
    errors.ProducerClosed(), OSError("connection reset"), TimeoutError(),
])
def test_the_broker_being_away_is_transient(exc: BaseException) -> None:
    assert failure_kind(exc) is None
