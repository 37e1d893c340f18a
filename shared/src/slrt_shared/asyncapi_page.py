"""``/asyncapi.html``: a service's AsyncAPI document as a page an integrator reads, rendered on the server from the
same document ``/asyncapi`` serves. No script and no other origin, so it works offline and under a strict
Content-Security-Policy."""

from __future__ import annotations

import json
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
_PREFIXES = ("#/components/schemas/", "#/components/messages/")
_templates = Environment(loader=PackageLoader("slrt_shared", "templates"), autoescape=select_autoescape(["html"]),
                         trim_blocks=True, lstrip_blocks=True)


def _target(ref: str) -> str:
    for prefix in _PREFIXES:
        if ref.startswith(prefix):
            return ref.removeprefix(prefix)
    return ref.rsplit("/", 1)[-1]


def type_of(schema: dict[str, Any]) -> dict[str, Any]:
    """What a field holds, as words and at most one link: ``{"text": ..., "link": schema name or None}``."""
    if "$ref" in schema:
        return {"text": "", "link": _target(schema["$ref"])}
    for key in ("anyOf", "oneOf"):
        if key in schema:
            parts = [type_of(s) for s in schema[key]]
            link = next((p["link"] for p in parts if p["link"]), None)
            words = [p["text"] for p in parts if p["text"]]
            return {"text": " or ".join(words), "link": link}
    if "const" in schema:
        return {"text": f"= {json.dumps(schema['const'])}", "link": None}
    if "enum" in schema:
        return {"text": "one of " + ", ".join(json.dumps(v) for v in schema["enum"]), "link": None}
    kind = schema.get("type", "any")
    if kind == "array":
        inner = type_of(schema.get("items", {}))
        return {"text": f"array of {inner['text']}".strip(), "link": inner["link"]}
    if isinstance(kind, list):
        kind = " or ".join(kind)
    return {"text": f"{kind} ({schema['format']})" if "format" in schema else kind, "link": None}


_BOUNDS = {"minLength": "at least {} characters", "maxLength": "at most {} characters", "minimum": "≥ {}",
           "maximum": "≤ {}", "minItems": "at least {} items", "maxItems": "at most {} items", "pattern": "matches {}"}


def constraints(schema: dict[str, Any]) -> str:
    items = schema.get("items", {}) if schema.get("type") == "array" else {}
    found = [text.format(schema[k]) for k, text in _BOUNDS.items() if k in schema]
    found += [f"each {text.format(items[k])}" for k, text in _BOUNDS.items() if k in items and "$ref" not in items]
    return "; ".join(found)


def fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """An object schema's properties, required ones first, each with its type, constraints and description."""
    required = set(schema.get("required", ()))
    rows = [{"name": name, "required": name in required, "type": type_of(prop), "constraints": constraints(prop),
             "description": prop.get("description", ""),
             "example": json.dumps(prop["examples"][0], ensure_ascii=False) if prop.get("examples") else ""}
            for name, prop in schema.get("properties", {}).items()]
    return sorted(rows, key=lambda r: not r["required"])


def render(document: dict[str, Any]) -> str:
    components = document.get("components", {})
    messages = components.get("messages", {})
    channels = []
    for cid, channel in document.get("channels", {}).items():
        ops = [op["action"] for op in document.get("operations", {}).values()
               if op["channel"]["$ref"] == f"#/channels/{cid}"]
        names = [_target(ref["$ref"]) for ref in channel.get("messages", {}).values()]
        channels.append({"id": cid, "address": channel["address"], "description": channel.get("description", ""),
                         "actions": sorted(set(ops)), "messages": names})
    shown = {}
    for name, message in messages.items():
        payload = message.get("payload", {})
        key = message.get("bindings", {}).get("kafka", {}).get("key", {}).get("description", "")
        shown[name] = {"name": name, "ce_type": message.get("name", name), "summary": message.get("summary", ""),
                       "key": key, "headers": fields(message.get("headers", {})), "payload": type_of(payload),
                       "fields": fields(payload) if payload.get("type") == "object" else []}
    schemas = {name: {"name": name, "description": s.get("description", ""), "fields": fields(s),
                      "type": type_of(s) if "properties" not in s else None}
               for name, s in sorted(components.get("schemas", {}).items())}
    return _templates.get_template("asyncapi.html").render(
        info=document["info"], servers=document.get("servers", {}), channels=channels, messages=shown,
        schemas=schemas, version=document.get("asyncapi", ""))
