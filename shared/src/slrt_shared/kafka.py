"""Kafka client configuration from settings, shared by FastStream brokers and the raw aiokafka producer."""

from __future__ import annotations

import ssl
from itertools import chain
from typing import Any

from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512
from slrt_contracts.topics import topic_config

from slrt_shared.logging import get_logger
from slrt_shared.settings import ServiceSettings

log = get_logger(__name__)


def _ssl_context(settings: ServiceSettings) -> ssl.SSLContext | None:
    if settings.kafka_security_protocol not in ("SSL", "SASL_SSL"):
        return None
    return ssl.create_default_context(cafile=settings.kafka_ssl_cafile)


def client_options(settings: ServiceSettings) -> dict[str, Any]:
    """aiokafka keyword options for the configured security protocol."""
    opts: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap.split(","),
        "security_protocol": settings.kafka_security_protocol,
    }
    if settings.kafka_sasl_mechanism:
        opts.update(sasl_mechanism=settings.kafka_sasl_mechanism,
                    sasl_plain_username=settings.kafka_sasl_username,
                    sasl_plain_password=settings.kafka_sasl_password)
    ctx = _ssl_context(settings)
    if ctx:
        opts["ssl_context"] = ctx
    return opts


def faststream_security(settings: ServiceSettings) -> BaseSecurity | None:
    ctx = _ssl_context(settings)
    use_ssl = ctx is not None
    mech = settings.kafka_sasl_mechanism
    user, password = settings.kafka_sasl_username or "", settings.kafka_sasl_password or ""
    if mech == "PLAIN":
        return SASLPlaintext(username=user, password=password, use_ssl=use_ssl, ssl_context=ctx)
    if mech == "SCRAM-SHA-256":
        return SASLScram256(username=user, password=password, use_ssl=use_ssl, ssl_context=ctx)
    if mech == "SCRAM-SHA-512":
        return SASLScram512(username=user, password=password, use_ssl=use_ssl, ssl_context=ctx)
    if ctx is not None:
        return BaseSecurity(ssl_context=ctx, use_ssl=True)
    return None


def make_producer(settings: ServiceSettings) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        **client_options(settings),
        client_id=f"slrt-{settings.service_name}",
        acks="all",
        enable_idempotence=settings.kafka_enable_idempotence,
        linger_ms=2,
        metadata_max_age_ms=10_000,
        request_timeout_ms=15000,
        # room for a dead letter of the largest value a consumer may meet, with its headers
        max_request_size=max(settings.kafka_max_message_bytes, 1_048_576) + 65_536,
    )


async def ensure_topics(settings: ServiceSettings, topics: list[str]) -> None:
    """Create the topics a service uses, with a fixed partition count and their retention, when they do not
    exist yet; a topic that exists with another retention is altered (where the broker allows it; otherwise
    the difference is logged for the operator).

    Auto-creation by the first client to ask would leave the partition count to chance (and a consumer that
    saw fewer partitions than a producer would miss messages until its metadata refreshes).
    """
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    admin = AIOKafkaAdminClient(**client_options(settings), client_id=f"slrt-{settings.service_name}-admin")
    await admin.start()
    try:
        wanted = {name: topic_config(name, personal_retention_ms=settings.personal_data_retention_hours * 3_600_000)
                  for name in dict.fromkeys(topics)}
        new = [NewTopic(name, num_partitions=settings.topic_partitions, replication_factor=settings.topic_replication,
                        topic_configs=config) for name, config in wanted.items()]
        await admin.create_topics(new)  # "already exists" comes back per topic, not as an exception
        await _reconcile(admin, {name: config for name, config in wanted.items() if config})
    finally:
        await admin.close()


async def _reconcile(admin: Any, wanted: dict[str, dict[str, str]]) -> None:
    """Bring existing topics' configuration to ``wanted`` (a retention changed since they were created)."""
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    if not wanted:
        return
    try:
        described = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, n) for n in wanted])
    except Exception as exc:  # a broker without DescribeConfigs: the topics were created as wanted or not at all
        log.warning("topic_config_unknown", error=type(exc).__name__)
        return
    current: dict[str, dict[str, str]] = {}
    for response in described:
        for resource in response.resources:
            current[resource[3]] = {entry[0]: entry[1] for entry in resource[4]}
    for name, config in wanted.items():
        differing = {k: v for k, v in config.items() if current.get(name, {}).get(k) != v}
        if not differing:
            continue
        try:
            await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, name, configs=config)])
        except Exception as exc:
            log.warning("topic_config_differs", topic=name, wanted=differing, error=type(exc).__name__)


def _batches_wait_in_getmany_alone() -> None:
    """FastStream's batch subscriber, finding nothing after ``getmany`` waited its batch timeout, sleeps as long
    again before it asks. aiokafka's ``getmany`` already waits up to its timeout and returns as soon as records
    arrive, so the sleep only adds latency to the first records after a quiet spell, and keeping the timeout short
    to bound that latency made every idle consumer wake dozens of times a second. Here the batch subscriber waits
    in ``getmany`` alone, up to ``SLRT_KAFKA_BATCH_WAIT_MS``, and takes what arrives at once."""
    from faststream.kafka.subscriber.usecase import BatchSubscriber

    async def get_msg(self: BatchSubscriber, consumer: Any) -> tuple[Any, ...]:
        messages = await consumer.getmany(timeout_ms=self.batch_timeout_ms, max_records=self.max_records)
        return tuple(chain.from_iterable(messages.values()))

    BatchSubscriber.get_msg = get_msg  # type: ignore[method-assign]


_batches_wait_in_getmany_alone()


def make_broker(settings: ServiceSettings, *, middlewares: tuple[Any, ...] = ()) -> KafkaBroker:
    return KafkaBroker(
        settings.kafka_bootstrap.split(","),
        security=faststream_security(settings),
        client_id=f"slrt-{settings.service_name}",
        enable_idempotence=settings.kafka_enable_idempotence,
        middlewares=middlewares,
        metadata_max_age_ms=10_000,
        logger=None,
    )
