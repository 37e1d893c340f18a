"""Event contracts: one module per topic, frozen pydantic models, one envelope (``envelope``)."""

from slrt_contracts.base import EventData, parse_tolerant
from slrt_contracts.envelope import CloudEvent, KafkaRecord, from_kafka, to_kafka
from slrt_contracts.registry import EVENT_TYPES, model_for

__all__ = [
    "EVENT_TYPES",
    "CloudEvent",
    "EventData",
    "KafkaRecord",
    "from_kafka",
    "model_for",
    "parse_tolerant",
    "to_kafka",
]
