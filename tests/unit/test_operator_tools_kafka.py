"""``slrt dlt`` reaches a secured cluster as the services do: the same SLRT_KAFKA_* security settings."""

from __future__ import annotations

import pytest
from slrt.dlt import _kafka
from slrt.settings import CliSettings


def test_the_operator_tools_use_the_kafka_security_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"SLRT_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "SLRT_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
                        "SLRT_KAFKA_SASL_USERNAME": "admin", "SLRT_KAFKA_SASL_PASSWORD": "s3cret"}.items():
        monkeypatch.setenv(name, value)
    options = _kafka(CliSettings(kafka_bootstrap="kafka-1:9092,kafka-2:9092"))
    assert options["bootstrap_servers"] == ["kafka-1:9092", "kafka-2:9092"]
    assert (options["security_protocol"], options["sasl_mechanism"]) == ("SASL_PLAINTEXT", "SCRAM-SHA-512")
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("admin", "s3cret")


def test_without_settings_the_tools_reach_the_embedded_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLRT_KAFKA_BOOTSTRAP", raising=False)
    options = _kafka(CliSettings(kafka_bootstrap=None, broker_port=19092))
    assert options == {"bootstrap_servers": ["127.0.0.1:19092"], "security_protocol": "PLAINTEXT"}
