"""The websocket consumer of one deliberation's live events.

Protocol: the page connects to ``ws/deliberations/<id>/`` and sends ``{"resume_from": <last
seq it has>}``. The server has already joined the deliberation's group (so nothing published
from then on is missed), replays from the database every event after that number, then
forwards live events. Each event is sent once, in sequence order, without gaps: an event at
or below the last one sent is dropped, and one that arrives ahead of a gap has the gap
filled from the database first (rows are written before they are published).

Frames: one event per text frame, a JSON object. A page that sends ``"batch": true`` with its
resume request gets every frame as a JSON array of such objects instead: the events that
were waiting for it together (one write's text deltas of five members, a replay) go in one
frame, up to FRAME_EVENTS, so a crowd costs daphne a frame per write, not one per event.

Delivery does not depend on the channel layer: a message it drops (a crowd past a channel's
capacity, a Redis hiccup) is filled from the database when a later one arrives, and the
room's watchdog fills a stream that went quiet before its terminal event.

A crowd costs one daphne process little more than one page: the sockets of one deliberation
in a process share a :class:`cases.rooms.Room`, the process's one member of the group, which
hands each event to every socket's inbox (never dropping); each event's message is rendered
and encoded once there, one watchdog looks after all of them, and fills asked for together
share one query.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from cases import escalation, live, queries, rooms, runners
from cases.audit import access
from cases.models import Escalation, EscalationStatus
from cases.rooms import Room
from cases.streaming import EventMessage

log = logging.getLogger(__name__)

TERMINAL_EVENTS = {"deliberation.finished", "deliberation.failed"}
# Events one batched frame carries at most (a long replay is cut into frames this long).
FRAME_EVENTS = 100
# Escalations a reconnecting queue page is sent at most (the newest ones it missed).
QUEUE_RESUME_LIMIT = 200


# Application close codes (4000-4999): the page shows "not signed in" / "not found".
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404
CLOSE_BAD_REQUEST = 4400


def _visible(user: Any, deliberation_id: int) -> bool:
    return queries.visible_deliberation(user, deliberation_id) is not None


async def _refuse(consumer: AsyncJsonWebsocketConsumer, code: int, reason: str) -> None:
    """Close a connection before accepting it, audited like a 403 (one row per refusal)."""
    await database_sync_to_async(access.websocket_refused)(consumer.scope, reason=reason, code=code)
    await consumer.close(code=code)


class DeliberationConsumer(AsyncJsonWebsocketConsumer):
    """Streams one deliberation's events to one page; sends nothing but events."""

    deliberation_id: int
    last_sent: int | None = None
    held: list[EventMessage]
    ended: bool = False
    batch: bool = False  # the page reads frames of several events (JSON arrays)
    pump: asyncio.Task[None] | None = None
    room: Room | None = None
    feed: live.Feed

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await _refuse(self, CLOSE_UNAUTHENTICATED, "unauthenticated")
            return
        self.deliberation_id = int(self.scope["url_route"]["kwargs"]["deliberation_id"])
        # Another clinician's case looks exactly like one that does not exist.
        if not await database_sync_to_async(_visible)(user, self.deliberation_id):
            await _refuse(self, CLOSE_NOT_FOUND, "not_found")
            return
        self.held = []
        self.outgoing: list[str] = []  # encoded events of the frame being assembled
        self.lock = asyncio.Lock()
        self.inbox: asyncio.Queue[list[EventMessage]] = asyncio.Queue()
        # Join before replaying: an event published during the replay is then either in
        # the replay or in the inbox, never in neither.
        self.room = await Room.enter(self.deliberation_id, self.channel_layer, self)
        self.pump = asyncio.create_task(self._pump())
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await rooms.stop(self.pump)
        if self.room is not None:
            await self.room.leave(self)
            self.room = None

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        resume_from = content.get("resume_from") if isinstance(content, dict) else None
        if (
            self.last_sent is not None
            or isinstance(resume_from, bool)
            or not isinstance(resume_from, int)
            or resume_from < 0
        ):
            # The only message a page may send is one resume request with a sequence number.
            await self.close(code=CLOSE_BAD_REQUEST)
            return
        self.batch = content.get("batch") is True
        self.last_sent = resume_from
        self.feed = await database_sync_to_async(live.feed_for)(
            self.deliberation_id,
            user=self.scope["user"],
            resume_from=resume_from,
        )
        async with self.lock:
            try:
                await self._send_missing(up_to=None)
                held, self.held = self.held, []
                for event in held:
                    await self._forward(event)
            finally:
                await self._send_frames()
        if not self.ended:
            runners.ensure_sweeper()

    def deliver(self, events: list[EventMessage]) -> None:
        """Queue ``events`` (from the room: one write's, live, or filled by its watchdog)."""
        self.inbox.put_nowait(events)

    async def _pump(self) -> None:
        while True:
            events = list(await self.inbox.get())
            # Whatever queued up meanwhile goes out with it (in one frame, when batching).
            while not self.inbox.empty():
                events += self.inbox.get_nowait()
            try:
                await self._take(events)
            except Exception:  # a failed fill: the next event or the watchdog fills again
                log.warning("forwarding to deliberation %s failed", self.deliberation_id)

    async def _take(self, events: list[EventMessage]) -> None:
        if self.last_sent is None:
            self.held += events  # the page has not said where it is yet
            return
        async with self.lock:
            try:
                for event in events:
                    await self._forward(event)
            finally:  # what was assembled before a failed fill is sent all the same
                await self._send_frames()

    async def _forward(self, event: EventMessage) -> None:
        assert self.last_sent is not None
        if event["seq"] <= self.last_sent:
            return
        if event["seq"] > self.last_sent + 1:
            await self._send_missing(up_to=event["seq"])
            return
        await self._send(event)

    async def _send_missing(self, *, up_to: int | None) -> None:
        assert self.last_sent is not None and self.room is not None
        events = await self.room.events_after(self.last_sent)
        for event in events:
            if up_to is not None and event["seq"] > up_to:
                break
            await self._send(event)

    async def _send(self, event: EventMessage) -> None:
        # The page swaps in the fragments the server renders (cases/live.py). The event
        # goes out with the frame being assembled (see _send_frames).
        assert self.room is not None
        self.outgoing.append(await self.room.encode(self.feed, event))
        self.last_sent = event["seq"]
        if event["type"] in TERMINAL_EVENTS:
            self.ended = True

    async def _send_frames(self) -> None:
        texts, self.outgoing = self.outgoing, []
        if not self.batch:
            for text in texts:
                await self.send(text_data=text)
            return
        for start in range(0, len(texts), FRAME_EVENTS):
            await self.send(text_data="[" + ",".join(texts[start : start + FRAME_EVENTS]) + "]")


def _open_escalations_after(escalation_id: int) -> list[dict[str, Any]]:
    rows = Escalation.objects.filter(pk__gt=escalation_id).exclude(status=EscalationStatus.RESOLVED)
    newest = list(rows.order_by("-pk")[:QUEUE_RESUME_LIMIT])
    return [dict(escalation.announcement(e)) for e in reversed(newest)]


class EscalationQueueConsumer(AsyncJsonWebsocketConsumer):
    """Pushes each new escalation to open queue pages (group ``escalations``). Reviewers and
    administrators only. A page may send one ``{"resume_after": <highest escalation id it
    shows>}`` (after a reconnect): open escalations created since are sent first."""

    resumed = False

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await _refuse(self, CLOSE_UNAUTHENTICATED, "unauthenticated")
            return
        if not await database_sync_to_async(escalation.can_view_queue)(user):
            await _refuse(self, CLOSE_NOT_FOUND, "not_a_reviewer")
            return
        await self.channel_layer.group_add(escalation.GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(escalation.GROUP, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        after = content.get("resume_after") if isinstance(content, dict) else None
        if self.resumed or isinstance(after, bool) or not isinstance(after, int) or after < 0:
            await self.close(code=CLOSE_BAD_REQUEST)
            return
        self.resumed = True
        for announcement in await database_sync_to_async(_open_escalations_after)(after):
            await self.send_json(announcement)

    async def escalation_created(self, message: dict[str, Any]) -> None:
        await self.send_json(message["escalation"])
