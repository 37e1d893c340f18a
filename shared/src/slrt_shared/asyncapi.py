"""AsyncAPI 3.0 documents generated from the contract models, so the published description cannot drift from
the code: each service lists the topics it reads and writes as ``ChannelSpec``s and serves
``asyncapi_document(service, channels)`` at ``/asyncapi``.

Every message is a CloudEvent in Kafka binary mode: the ``ce_*`` headers are described as message headers
(``ce_type`` fixed per message), the payload is the model's JSON Schema, the Kafka key is described in the
message's Kafka binding.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from pydantic.json_schema import models_json_schema
from slrt_contracts.base import EventData
from slrt_contracts.schemas import dataschema

from slrt_shared import asyncapi_page
from slrt_shared.access.policy import COMMANDS
from slrt_shared.settings import ServiceSettings

KAFKA_BINDING = "0.5.0"
_REF = "#/components/schemas/{model}"


@dataclass(frozen=True)
class ChannelSpec:
    """One topic as one service uses it: ``send`` (the service writes it) or ``receive`` (it reads it)."""

    address: str
    action: Literal["send", "receive"]
    messages: Sequence[type[EventData]] = ()
    description: str = ""
    key: str = "case_id"
    tombstones: bool = False  # a null value erases the key (compacted topics)
    dead_letters: bool = False  # ``<topic>.dlt``: the original value with ``x-error-*`` headers
    reply_address: str | None = None  # every message received here is answered on that channel


def channel_id(address: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", address).strip("_")


#: Commands carry their sender's token (the access table's command doors).
SIGNED_TYPES = frozenset(d.path for d in COMMANDS)


def _cloud_event_headers(ce_type: str) -> dict[str, Any]:
    text = {"type": "string"}
    signed = ce_type in SIGNED_TYPES
    sender = {"authorization": text | {
        "pattern": "^Bearer .+$", "description": "the sender's token (an OpenID Connect access token), judged as "
        "of ce_time; without a valid one the command is refused as unauthorized"}} if signed else {}
    return {
        "type": "object",
        "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "content-type",
                     *(["authorization"] if signed else [])],
        "properties": {
            **sender,
            "ce_specversion": {"const": "1.0"},
            "ce_id": text | {"description": "unique per source; consumers deduplicate on (ce_source, ce_id)"},
            "ce_source": text | {"examples": ["/slrt/intake"]},
            "ce_type": {"const": ce_type},
            "ce_time": text | {"format": "date-time"},
            "content-type": {"const": "application/json"},
            "ce_dataschema": {"const": dataschema(ce_type), "description": "the name (its $id) of the value's JSON "
                              "Schema, published as docs/schemas/<ce_type>.json; optional on what agencies send"},
            "traceparent": text | {"description": "W3C trace context"},
            "tracestate": text,
        },
    }


_DEAD_LETTER_HEADERS = {
    "type": "object",
    "required": ["x-error-type", "x-error-message", "x-original-topic", "x-attempts"],
    "properties": {
        "x-error-type": {"type": "string", "description": "the exception's class name"},
        "x-error-message": {"type": "string", "description": "what was wrong, never an input value"},
        "x-original-topic": {"type": "string"},
        "x-original-partition": {"type": "string"},
        "x-original-offset": {"type": "string"},
        "x-attempts": {"type": "string", "description": "how many times the handler tried"},
        "x-sender-sub": {"type": "string", "description": "a command's verified sender (never its token)"},
        "x-sender-role": {"type": "string"},
        "x-sender-scope": {"type": "string"},
        "x-sender-owner": {"type": "string"},
    },
    "additionalProperties": {"type": "string", "description": "the original message's headers, kept"},
}


def _key_binding(key: str) -> dict[str, Any]:
    return {"kafka": {"key": {"type": "string", "description": key}, "bindingVersion": KAFKA_BINDING}}


def _summary(model: type[EventData]) -> str:
    doc = (model.__doc__ or "").strip()
    return doc.splitlines()[0] if doc else model.ce_type


_SASL = {"PLAIN": "plain", "SCRAM-SHA-256": "scramSha256", "SCRAM-SHA-512": "scramSha512"}


def kafka_servers(settings: ServiceSettings) -> tuple[dict[str, Any], dict[str, Any]]:
    """The brokers the service is configured with (``SLRT_KAFKA_BOOTSTRAP``, one server per address) and how to
    reach them (``SLRT_KAFKA_SECURITY_PROTOCOL``, ``SLRT_KAFKA_SASL_MECHANISM``): servers and security schemes."""
    protocol = settings.kafka_security_protocol
    schemes: dict[str, Any] = {}
    if protocol.startswith("SASL") and settings.kafka_sasl_mechanism:
        schemes["sasl"] = {"type": _SASL[settings.kafka_sasl_mechanism],
                           "description": "a SASL principal of your own, issued with the agency's ACLs"}
    elif protocol == "SSL":
        schemes["tls"] = {"type": "X509", "description": "a client certificate issued to the agency"}
    secure = protocol.endswith("SSL")
    hosts = [h.strip() for h in settings.kafka_bootstrap.split(",") if h.strip()]
    servers = {
        f"broker-{n}": {
            "host": host, "protocol": "kafka-secure" if secure else "kafka",
            "description": f"bootstrap address {n} of {len(hosts)} ({protocol})",
            **({"security": [{"$ref": f"#/components/securitySchemes/{name}"} for name in schemes]}
               if schemes else {}),
        } for n, host in enumerate(hosts, start=1)
    }
    return servers, schemes


def asyncapi_document(
    service: str, channels: list[ChannelSpec], *, settings: ServiceSettings, version: str = "1.0.0",
    description: str = "",
) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of ``service``'s topics, with payload schemas from the contract models and the
    servers of ``settings``."""
    servers, schemes = kafka_servers(settings)
    models = sorted({m for spec in channels for m in spec.messages}, key=lambda m: m.__name__)
    refs, top = models_json_schema([(m, "validation") for m in models], ref_template=_REF)
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    messages: dict[str, Any] = {}
    for model in models:
        messages[model.__name__] = {
            "name": model.ce_type,
            "title": model.__name__,
            "summary": _summary(model),
            "contentType": "application/json",
            "headers": _cloud_event_headers(model.ce_type),
            "payload": refs[(model, "validation")],
        }
    out_channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for spec in channels:
        cid = channel_id(spec.address)
        channel = out_channels.setdefault(cid, {"address": spec.address, "messages": {},
                                                "bindings": {"kafka": {"topic": spec.address,
                                                                       "bindingVersion": KAFKA_BINDING}}})
        if spec.description:
            channel["description"] = spec.description
        names = [m.__name__ for m in spec.messages]
        if spec.tombstones:
            names.append("Tombstone")
            messages["Tombstone"] = {"name": "tombstone", "title": "Tombstone",
                                     "summary": "A null value: erases everything kept under the key",
                                     "payload": {"type": "null"}}
        if spec.dead_letters:
            name = f"DeadLetter_{cid}"
            names.append(name)
            messages[name] = {"name": "dead-letter", "title": "Dead letter",
                              "summary": "A message its consumer gave up on: the original value, kept as it was",
                              "headers": _DEAD_LETTER_HEADERS, "payload": {}}
        for name in names:
            channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}
        operation: dict[str, Any] = {
            "action": spec.action,
            "channel": {"$ref": f"#/channels/{cid}"},
            "messages": [{"$ref": f"#/channels/{cid}/messages/{n}"} for n in names],
            "bindings": {"kafka": {"bindingVersion": KAFKA_BINDING}},
        }
        if spec.reply_address:
            operation["reply"] = {"channel": {"$ref": f"#/channels/{channel_id(spec.reply_address)}"}}
        operations[f"{spec.action}_{cid}"] = operation
        for name in names:
            messages[name].setdefault("bindings", _key_binding(spec.key))
    return {
        "asyncapi": "3.0.0",
        "id": f"urn:slrt:{service}",
        "info": {
            "title": f"SLRT {service}",
            "version": version,
            "description": description or f"The Kafka topics SLRT {service} reads and writes. Every message is a "
            "CloudEvents 1.0 event in Kafka binary mode: ce_* headers, JSON value.",
        },
        "defaultContentType": "application/json",
        "servers": servers,
        "channels": out_channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas, **({"securitySchemes": schemes} if schemes else {})},
    }


def asyncapi_router(service: str, channels: list[ChannelSpec], settings: ServiceSettings,
                    version: str = "1.0.0") -> APIRouter:
    """``GET /asyncapi`` (the document) and ``GET /asyncapi.html`` (the same, as a page to read, offline). Each
    is made at its first request and kept (about 60 ms of work no service start needs)."""
    router = APIRouter(tags=["docs"])

    @cache
    def document() -> dict[str, Any]:
        return asyncapi_document(service, channels, settings=settings, version=version)

    @cache
    def page() -> str:
        return asyncapi_page.render(document())

    @router.get("/asyncapi", operation_id="get_asyncapi", summary=f"AsyncAPI 3.0 document of {service}'s topics")
    async def asyncapi() -> dict[str, Any]:
        return document()

    @router.get("/asyncapi.html", include_in_schema=False)
    async def asyncapi_html() -> HTMLResponse:
        return HTMLResponse(page(), headers={"Content-Security-Policy": asyncapi_page.POLICY})

    return router
