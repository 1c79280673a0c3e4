"""The websocket consumer of one deliberation's live events.

Protocol: the page connects to ``ws/deliberations/<id>/`` and sends ``{"resume_from": <last
seq it has>}``. The server has already joined the deliberation's group (so nothing published
from then on is missed), replays from the database every event after that number, then
forwards live events. Each event is sent once, in sequence order, without gaps: an event at
or below the last one sent is dropped, and one that arrives ahead of a gap has the gap
filled from the database first (rows are written before they are published).

Delivery does not depend on the channel layer: a message it drops (a crowd past a channel's
capacity, a Redis hiccup) is filled from the database when a later one arrives, and a
watchdog fills a stream that went quiet before its terminal event (checking after 1 s of
silence, then backing off to 15 s while the deliberation is waiting for its members).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from cases import auth_audit, escalation, live, queries, runners, streaming
from cases.models import Escalation, EscalationStatus
from cases.streaming import EventMessage

log = logging.getLogger(__name__)

TERMINAL_EVENTS = {"deliberation.finished", "deliberation.failed"}
# The watchdog's first look after silence, and its longest wait between looks.
STALL_FIRST_S = 1.0
STALL_MAX_S = 15.0
# Escalations a reconnecting queue page is sent at most (the newest ones it missed).
QUEUE_RESUME_LIMIT = 200
# channels-redis forgets a group member after its group_expiry (15 min, so a killed daphne's
# channels leave the groups soon): a socket that stays open joins its group again this often.
REJOIN_S = 300.0


async def _rejoin_every(consumer: AsyncJsonWebsocketConsumer, group: str) -> None:
    while True:
        await asyncio.sleep(REJOIN_S)
        try:
            await consumer.channel_layer.group_add(group, consumer.channel_name)
        except Exception:  # the layer is down; the next turn tries again
            log.warning("could not rejoin %s", group, exc_info=True)


async def _stop(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


# Application close codes (4000-4999): the page shows "not signed in" / "not found".
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404
CLOSE_BAD_REQUEST = 4400


def _visible(user: Any, deliberation_id: int) -> bool:
    return queries.visible_deliberation(user, deliberation_id) is not None


async def _refuse(consumer: AsyncJsonWebsocketConsumer, code: int, reason: str) -> None:
    """Close a connection before accepting it, audited like a 403 (one row per refusal)."""
    await database_sync_to_async(auth_audit.websocket_refused)(
        consumer.scope, reason=reason, code=code
    )
    await consumer.close(code=code)


class DeliberationConsumer(AsyncJsonWebsocketConsumer):
    """Streams one deliberation's events to one page; sends nothing but events."""

    deliberation_id: int
    last_sent: int | None = None
    held: list[EventMessage]
    ended: bool = False
    watchdog: asyncio.Task[None] | None = None
    rejoin: asyncio.Task[None] | None = None
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
        self.lock = asyncio.Lock()
        self.heard = asyncio.Event()
        # Join before replaying: an event published during the replay is then either in
        # the replay or in the group queue, never in neither.
        group = streaming.group_name(self.deliberation_id)
        await self.channel_layer.group_add(group, self.channel_name)
        self.rejoin = asyncio.create_task(_rejoin_every(self, group))
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await _stop(self.watchdog)
        await _stop(self.rejoin)
        if hasattr(self, "held"):
            await self.channel_layer.group_discard(
                streaming.group_name(self.deliberation_id), self.channel_name
            )

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
        self.last_sent = resume_from
        self.feed = await database_sync_to_async(live.feed_for)(
            self.deliberation_id,
            user=self.scope["user"],
            resume_from=resume_from,
        )
        async with self.lock:
            await self._send_missing(up_to=None)
            held, self.held = self.held, []
            for event in held:
                await self._forward(event)
        if not self.ended:
            self.watchdog = asyncio.create_task(self._watch())
            runners.ensure_sweeper()

    async def deliberation_event(self, message: dict[str, Any]) -> None:
        event: EventMessage = message["event"]
        if self.last_sent is None:
            self.held.append(event)  # the page has not said where it is yet
            return
        self.heard.set()
        async with self.lock:
            await self._forward(event)

    async def _watch(self) -> None:
        # Fills a stream that went quiet: the layer may have dropped what came next.
        wait = STALL_FIRST_S
        while not self.ended:
            try:
                await asyncio.wait_for(self.heard.wait(), timeout=wait)
            except TimeoutError:
                pass
            else:
                # Something arrived (perhaps during the last fill): watch closely again.
                self.heard.clear()
                wait = STALL_FIRST_S
                continue
            try:
                async with self.lock:
                    before = self.last_sent
                    await self._send_missing(up_to=None)
            except Exception:  # a database blip: look again later
                log.warning("filling deliberation %s from the database failed", exc_info=True)
                before = self.last_sent
            wait = STALL_FIRST_S if self.last_sent != before else min(wait * 2, STALL_MAX_S)

    async def _forward(self, event: EventMessage) -> None:
        assert self.last_sent is not None
        if event["seq"] <= self.last_sent:
            return
        if event["seq"] > self.last_sent + 1:
            await self._send_missing(up_to=event["seq"])
            return
        await self._send(event)

    async def _send_missing(self, *, up_to: int | None) -> None:
        assert self.last_sent is not None
        events = await database_sync_to_async(streaming.events_after)(
            self.deliberation_id, self.last_sent
        )
        for event in events:
            if up_to is not None and event["seq"] > up_to:
                break
            await self._send(event)

    async def _send(self, event: EventMessage) -> None:
        # The page swaps in the fragments the server renders (cases/live.py).
        if live.needs_database(event):
            message = await database_sync_to_async(self.feed.message)(event)
        else:
            message = self.feed.message(event)
        await self.send_json(message)
        self.last_sent = event["seq"]
        if event["type"] in TERMINAL_EVENTS:
            self.ended = True


def _open_escalations_after(escalation_id: int) -> list[dict[str, Any]]:
    rows = Escalation.objects.filter(pk__gt=escalation_id).exclude(status=EscalationStatus.RESOLVED)
    newest = list(rows.order_by("-pk")[:QUEUE_RESUME_LIMIT])
    return [dict(escalation.announcement(e)) for e in reversed(newest)]


class EscalationQueueConsumer(AsyncJsonWebsocketConsumer):
    """Pushes each new escalation to open queue pages (group ``escalations``). Reviewers and
    administrators only. A page may send one ``{"resume_after": <highest escalation id it
    shows>}`` (after a reconnect): open escalations created since are sent first."""

    resumed = False
    rejoin: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await _refuse(self, CLOSE_UNAUTHENTICATED, "unauthenticated")
            return
        if not await database_sync_to_async(escalation.can_view_queue)(user):
            await _refuse(self, CLOSE_NOT_FOUND, "not_a_reviewer")
            return
        await self.channel_layer.group_add(escalation.GROUP, self.channel_name)
        self.rejoin = asyncio.create_task(_rejoin_every(self, escalation.GROUP))
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await _stop(self.rejoin)
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
