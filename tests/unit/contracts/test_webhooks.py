"""Webhook deliveries are signed per the Standard Webhooks specification: the published test vector passes,
a tampered body, id, timestamp or secret fails, and a CloudEvent survives the trip through HTTP binary mode."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from slrt_contracts.envelope import CloudEvent
from slrt_contracts.webhooks import WebhookVerificationError, from_http, new_secret, signature, to_http, verify

# the test vector of the Standard Webhooks specification (its reference libraries' tests)
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID, VECTOR_TIMESTAMP = "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_specification_s_test_vector() -> None:
    assert signature(VECTOR_SECRET, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY) == VECTOR_SIGNATURE
    verify(VECTOR_SECRET, {"Webhook-Id": VECTOR_ID, "Webhook-Timestamp": str(VECTOR_TIMESTAMP),
                           "Webhook-Signature": f"v1,bm9ub25zZW5zZQ== {VECTOR_SIGNATURE}"},
           VECTOR_BODY, now=VECTOR_TIMESTAMP + 10)


def _event() -> CloudEvent:
    return CloudEvent(id="e-1", source="/slrt/routing", type="id.slrt.case.escalated.v1",
                      time=datetime(2026, 12, 7, 1, 0, tzinfo=UTC), data={"case_id": "c-1", "to_level": "kecamatan"},
                      key="c-1", traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01")


def test_a_delivery_round_trips_and_any_tampering_fails() -> None:
    secret = new_secret()
    headers, body = to_http(_event(), secret=secret, dataschema="urn:slrt:schema:id.slrt.case.escalated.v1")
    assert headers["webhook-id"] == headers["ce-id"] == "e-1"
    event = from_http(headers, body, secret=secret)
    assert (event.id, event.type, event.data, event.traceparent) == ("e-1", _event().type, _event().data,
                                                                     _event().traceparent)
    tampered = [
        (headers, body.replace(b"kecamatan", b"kabupaten"), secret),
        ({**headers, "webhook-id": "e-2"}, body, secret),
        ({**headers, "webhook-timestamp": str(int(headers["webhook-timestamp"]) + 1)}, body, secret),
        (headers, body, new_secret()),
        ({k: v for k, v in headers.items() if k != "webhook-signature"}, body, secret),
    ]
    for h, b, s in tampered:
        with pytest.raises(WebhookVerificationError):
            from_http(h, b, secret=s)


def test_an_old_delivery_is_refused_even_when_signed() -> None:
    secret = new_secret()
    headers, body = to_http(_event(), secret=secret, timestamp=int(time.time()) - 3600)
    with pytest.raises(WebhookVerificationError, match="too far"):
        verify(secret, headers, body)
