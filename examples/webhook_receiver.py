"""A webhook receiver: subscribes to a region's case events on notification (``POST /v1/subscriptions``) and
serves the deliveries, checking each one's Standard Webhooks signature with the subscription's secret before
taking it in. No Kafka client needed.

    SLRT_TOKEN=... SLRT_NOTIFICATION_URL=http://127.0.0.1:8003 \\
        python examples/webhook_receiver.py --region 32.01 --port 8090 --out events.jsonl [--seconds 60]

A delivery with a bad signature is answered 401 and not taken in. Each event is taken in once, by its
``webhook-id`` (the event's ``ce_id``, the same on every retry); answering 2xx tells SLRT it arrived. Plain HTTP
is accepted for loopback URLs only, for development: in production the URL is HTTPS."""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from _common import TOKEN
from slrt_contracts.webhooks import WebhookVerificationError, from_http

NOTIFICATION = os.environ.get("SLRT_NOTIFICATION_URL", "http://127.0.0.1:8003")
TYPES = ["id.slrt.case.registered.v1", "id.slrt.referral.dispatched.v1", "id.slrt.case.escalated.v1",
         "id.slrt.case.resolved.v1", "id.slrt.case.closed.v1"]


class Receiver:
    def __init__(self, secret: str, out: Path) -> None:
        self.secret, self.out = secret, out
        self.seen: set[str] = set()
        self.lock = threading.Lock()

    def take(self, headers: dict[str, str], body: bytes) -> int:
        try:
            event = from_http(headers, body, secret=self.secret)
        except WebhookVerificationError as exc:
            print(f"refused a delivery: {exc}", file=sys.stderr)
            return 401
        with self.lock:
            if event.id not in self.seen:  # once each, whatever the retries
                self.seen.add(event.id)
                with self.out.open("a", encoding="utf-8") as f:
                    f.write(json.dumps({"id": event.id, "type": event.type, "time": event.time.isoformat(),
                                        "data": event.data}) + "\n")
                print(f"{event.type} {event.data.get('case_id')}", flush=True)
        return 204


def serve(receiver: Receiver, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server interface
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(receiver.take(dict(self.headers.items()), body))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--region", required=True)
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--out", type=Path, default=Path("events.jsonl"))
    parser.add_argument("--seconds", type=float, default=None, help="stop after this long (default: Ctrl-C)")
    args = parser.parse_args()
    notification = httpx.Client(base_url=NOTIFICATION, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=15)
    created = notification.post("/v1/subscriptions", json={
        "url": f"http://127.0.0.1:{args.port}/slrt", "types": TYPES, "region": args.region})
    if created.status_code != 201:
        print(f"could not subscribe: {created.status_code} {created.text}", file=sys.stderr)
        return 1
    subscription = created.json()
    server = serve(Receiver(subscription["secret"], args.out), args.port)
    print(f"subscribed {subscription['id']}; listening on {args.port}", flush=True)
    try:
        time.sleep(args.seconds) if args.seconds else threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        notification.delete(f"/v1/subscriptions/{subscription['id']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
