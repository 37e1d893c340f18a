"""Registrations over HTTP, committed together: each request waits for its answer while the requests that
arrived during the previous transaction are registered in the next one (group commit).

Nothing waits for a timer: a request that finds no transaction running starts one at once, so an idle desk
sees the latency of one transaction, and a busy intake spends a few statements on many registrations instead
of a dozen on each. If a group fails, its requests are registered one by one, so one request's failure is
its own.
"""

from __future__ import annotations

import asyncio

from slrt_contracts.topics import Topics
from slrt_shared.pseudonyms import Pseudonyms
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slrt_intake.service_layer.registration import Registering, Result, in_transaction, register_in


class Registrar:
    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], topics: Topics, pseudonyms: Pseudonyms,
                 most: int = 200) -> None:
        self._sessions, self._topics, self._pseudonyms, self._most = sessions, topics, pseudonyms, most
        self._waiting: list[tuple[Registering, asyncio.Future[Result]]] = []
        self._task: asyncio.Task[None] | None = None

    async def register(self, item: Registering) -> Result:
        """The item's result once its group has committed (the exception of its own failure, if any)."""
        answer: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, answer))
        if self._task is None:
            self._task = asyncio.create_task(self._drain(), name="intake-registrar")
        return await answer

    async def _registered(self, items: list[Registering]) -> list[Result]:
        return await in_transaction(self._sessions, lambda session: register_in(
            session, topics=self._topics, pseudonyms=self._pseudonyms, items=items))

    async def _drain(self) -> None:
        group: list[tuple[Registering, asyncio.Future[Result]]] = []
        try:
            while self._waiting:
                group, self._waiting = self._waiting[:self._most], self._waiting[self._most:]
                try:
                    answers = [_Answer(result) for result in await self._registered([item for item, _ in group])]
                except Exception:
                    answers = [await self._alone(item) for item, _ in group]
                for (_, future), answer in zip(group, answers, strict=True):
                    if not future.done():  # else the request went away; its registration stands, as its key does
                        answer.settle(future)
                group = []
        finally:
            self._task = None
            for _, future in [*group, *self._waiting]:  # the service is stopping: nobody is answered
                future.cancel()
            self._waiting = []

    async def _alone(self, item: Registering) -> _Answer:
        try:
            return _Answer((await self._registered([item]))[0])
        except Exception as exc:  # noqa: BLE001 - handed to the request it belongs to
            return _Answer(None, exc)


class _Answer:
    def __init__(self, result: Result | None, error: Exception | None = None) -> None:
        self.result, self.error = result, error

    def settle(self, future: asyncio.Future[Result]) -> None:
        if self.error is not None:
            future.set_exception(self.error)
        else:
            future.set_result(self.result)  # type: ignore[arg-type]
