"""What the live sockets of one deliberation in one daphne process share (a :class:`Room`).

A crowd on one deliberation costs a process little more than one page:
- **One subscription.** The room's own channel is the only member of the deliberation's group
  for this process: the channel layer carries each event to the process once (not once per
  socket), and the room hands it to its sockets' inboxes, which never drop. The Redis layer
  (pub/sub, consensus_site.settings) keeps memberships in the process and subscribes again
  after a reconnect by itself, so a room never needs to join again.
- **One query for fills asked together.** A fill asked for while another runs waits for it;
  then every waiting socket is served by one query that began after it asked (so it sees
  every row written before). A crowd stalled at once costs two queries, not hundreds in a
  row on the one thread that runs every socket's database work.
- **One watchdog.** A stream that went quiet before its terminal event (the layer may have
  dropped what came next) is filled from the database by the room, once for all its sockets:
  it looks after STALL_FIRST_S of silence, then backs off to STALL_MAX_S while the
  deliberation waits for its members.
- **One rendering per event.** Every page's feed folds the same gap-free events from the same
  panel snapshot, so the message for one sequence number is the same for every page of the
  same role: it is rendered and JSON-encoded once; the other sockets only fold the event.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import OrderedDict
from typing import Any, ClassVar, Protocol

from channels.db import database_sync_to_async
from channels.layers import BaseChannelLayer

from cases import live, streaming
from cases.streaming import EventMessage

log = logging.getLogger(__name__)

# Encoded messages a room keeps: sockets lagging further behind render their own.
ROOM_MESSAGES = 2048
# After the layer failed to deliver, the room listens again after this long (the sockets'
# watchdogs fill from the database meanwhile).
RETRY_S = 1.0

# The watchdog's first look after silence, and its longest wait between looks.
STALL_FIRST_S = 1.0
STALL_MAX_S = 15.0


class Listener(Protocol):
    """A socket in a room: where it is in the stream, and its inbox (which never drops)."""

    last_sent: int | None
    ended: bool

    def deliver(self, events: list[EventMessage]) -> None: ...


async def stop(task: asyncio.Task[Any] | None) -> None:
    """Cancel ``task`` (if any) and wait until it has ended."""
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _events_of(message: dict[str, Any]) -> list[EventMessage]:
    # One write's events arrive together; a single ``deliberation.event`` is what a publisher
    # of an earlier release sends (a rolling upgrade runs both for a while).
    if message.get("type") == "deliberation.events":
        return list(message["events"])
    if message.get("type") == "deliberation.event":
        return [message["event"]]
    return []


class Room:
    """The shared subscription, reads and messages of one deliberation on one event loop."""

    _rooms: ClassVar[dict[tuple[int, int], Room]] = {}

    def __init__(self, deliberation_id: int, layer: BaseChannelLayer) -> None:
        self.deliberation_id = deliberation_id
        self.layer = layer
        self.listeners: list[Listener] = []
        self.heard = asyncio.Event()
        self.encoded: OrderedDict[tuple[int, bool], str] = OrderedDict()
        self.waiting: list[tuple[int, asyncio.Future[list[EventMessage]]]] = []
        self.reader: asyncio.Task[None] | None = None
        self.joined: asyncio.Task[None] = asyncio.create_task(self._join())
        self.tasks: list[asyncio.Task[None]] = []

    @classmethod
    async def enter(cls, deliberation_id: int, layer: BaseChannelLayer, listener: Listener) -> Room:
        """The room of ``deliberation_id`` on the running loop, with ``listener`` delivered
        every event published from the moment this returns. Raises what the layer raises
        when the room cannot join the group (the socket is then not counted)."""
        key = (id(asyncio.get_running_loop()), deliberation_id)
        room = cls._rooms.get(key)
        if room is None:
            room = cls._rooms[key] = cls(deliberation_id, layer)
        room.listeners.append(listener)
        try:
            await asyncio.shield(room.joined)
        except BaseException:
            await room.leave(listener)
            raise
        return room

    async def leave(self, listener: Listener) -> None:
        """``listener`` receives nothing more; the last socket out closes the room."""
        with contextlib.suppress(ValueError):
            self.listeners.remove(listener)
        if self.listeners:
            return
        for key, room in list(self._rooms.items()):
            if room is self:
                del self._rooms[key]
        for task in [self.joined, *self.tasks]:
            await stop(task)
        if self.joined.done() and not self.joined.cancelled() and self.joined.exception() is None:
            with contextlib.suppress(Exception):
                await self.layer.group_discard(self.group, self.channel)

    @property
    def group(self) -> str:
        return streaming.group_name(self.deliberation_id)

    async def _join(self) -> None:
        self.channel = await self.layer.new_channel()
        await self.layer.group_add(self.group, self.channel)
        self.tasks = [
            asyncio.create_task(self._listen()),
            asyncio.create_task(self._watch()),
        ]

    async def _listen(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except Exception:  # Redis down: the sockets' watchdogs fill from the database
                log.warning("room of deliberation %s: receive failed", self.deliberation_id)
                await asyncio.sleep(RETRY_S)
                continue
            events = _events_of(message)
            if not events:
                continue
            for listener in list(self.listeners):
                listener.deliver(events)
            self.heard.set()

    async def _watch(self) -> None:
        wait = STALL_FIRST_S
        while True:
            try:
                await asyncio.wait_for(self.heard.wait(), timeout=wait)
            except TimeoutError:
                pass
            else:
                # Something arrived (perhaps during the last fill): watch closely again.
                self.heard.clear()
                wait = STALL_FIRST_S
                continue
            behind = [s for s in self.listeners if s.last_sent is not None and not s.ended]
            if not behind:
                wait = min(wait * 2, STALL_MAX_S)
                continue
            try:
                rows = await self.events_after(min(s.last_sent or 0 for s in behind))
            except Exception:  # a database blip: look again later
                log.warning("filling deliberation %s failed", self.deliberation_id, exc_info=True)
                rows = []
            news = False
            for listener in behind:
                missed = [row for row in rows if row["seq"] > (listener.last_sent or 0)]
                if missed:
                    listener.deliver(missed)
                    news = True
            wait = STALL_FIRST_S if news else min(wait * 2, STALL_MAX_S)

    async def events_after(self, seq: int) -> list[EventMessage]:
        """Every stored event above ``seq``, in order, read after this call began."""
        future: asyncio.Future[list[EventMessage]] = asyncio.get_running_loop().create_future()
        self.waiting.append((seq, future))
        if self.reader is None:
            self.reader = asyncio.create_task(self._read())
        return await future

    async def _read(self) -> None:
        try:
            while self.waiting:
                batch, self.waiting = self.waiting, []
                try:
                    rows = await database_sync_to_async(streaming.events_after)(
                        self.deliberation_id, min(seq for seq, _ in batch)
                    )
                except Exception as exc:  # each waiting socket handles it as its own
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for seq, future in batch:
                    if not future.done():
                        future.set_result([row for row in rows if row["seq"] > seq])
        finally:
            self.reader = None

    async def encode(self, feed: live.Feed, event: EventMessage) -> str:
        """``feed``'s message for ``event`` as JSON text, folding the event into ``feed``."""
        key = (event["seq"], feed.can_review)
        text = self.encoded.get(key)
        if text is not None:
            live.apply(feed.state, event)
            return text
        if live.needs_database(event):  # the current-decision box lives in other rows
            message = await database_sync_to_async(feed.message)(event)
        else:
            message = feed.message(event)
        text = json.dumps(message)
        self.encoded[key] = text
        if len(self.encoded) > ROOM_MESSAGES:
            self.encoded.popitem(last=False)
        return text
