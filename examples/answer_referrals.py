"""A programme owner's system answers the referrals addressed to it: it reads its inbox over HTTP (routing's
``GET /v1/referrals``) and answers each on ``slrt.referral.updates`` (keyed by the case), with its token in
the ``authorization`` header of each message.

    SLRT_TOKEN=<an owner's token> SLRT_ROUTING_URL=http://127.0.0.1:8002 python examples/answer_referrals.py

Accepts every new referral, then reads the inbox again until each shows ``accepted``; prints one line each."""

from __future__ import annotations

import asyncio
import os
import sys

import httpx
from _common import BOOTSTRAP, TOKEN, topic
from aiokafka import AIOKafkaProducer
from slrt_contracts.codes import ReferralStatus
from slrt_contracts.envelope import to_kafka
from slrt_contracts.referral_updates import ReferralUpdate
from slrt_contracts.topics import REFERRAL_UPDATES

ROUTING = os.environ.get("SLRT_ROUTING_URL", "http://127.0.0.1:8002")


async def main() -> int:
    async with httpx.AsyncClient(base_url=ROUTING, headers={"Authorization": f"Bearer {TOKEN}"},
                                 timeout=15) as routing:
        inbox = await routing.get("/v1/referrals", params={"status": "dispatched"})
        inbox.raise_for_status()
        new = inbox.json()["items"]
        if not new:
            print("no new referrals")
            return 0
        producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all")
        await producer.start()
        try:
            for referral in new:
                update = ReferralUpdate(referral_id=referral["referral_id"], case_id=referral["case_id"],
                                        status=ReferralStatus.ACCEPTED, note="diterima, sedang diverifikasi")
                record = to_kafka(update, topic=topic(REFERRAL_UPDATES), source="/owner/example",
                                  key=referral["case_id"])
                await producer.send_and_wait(record.topic, record.value, key=record.key, headers=[
                    *record.headers, ("authorization", f"Bearer {TOKEN}".encode())])
        finally:
            await producer.stop()
        wanted = {r["referral_id"] for r in new}
        for _ in range(120):  # routing takes the answers in; the inbox shows them
            page = (await routing.get("/v1/referrals", params={"status": "accepted", "limit": 500})).json()
            done = wanted & {r["referral_id"] for r in page["items"]}
            if done == wanted:
                for r in new:
                    print(f"accepted {r['referral_id']} case {r['case_number']} {r['programme']}")
                return 0
            await asyncio.sleep(0.5)
        print(f"{len(wanted - done)} answers not taken in", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
