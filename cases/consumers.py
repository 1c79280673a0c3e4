"""The websocket consumer of one deliberation's live events.

Protocol: the page connects to ``ws/deliberations/<id>/`` and sends ``{"resume_from": <last
seq it has>}``. The server has already joined the deliberation's group (so nothing published
from then on is missed), replays from the database every event after that number, then
forwards live events. Each event is sent once, in sequence order, without gaps: an event at
or below the last one sent is dropped, and one that arrives ahead of a gap has the gap
filled from the database first (rows are written before they are published).
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from cases import escalation, live, queries, streaming
from cases.streaming import EventMessage

# Application close codes (4000-4999): the page shows "not signed in" / "not found".
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404
CLOSE_BAD_REQUEST = 4400


def _visible(user: Any, deliberation_id: int) -> bool:
    return queries.visible_deliberation(user, deliberation_id) is not None


class DeliberationConsumer(AsyncJsonWebsocketConsumer):
    """Streams one deliberation's events to one page; sends nothing but events."""

    deliberation_id: int
    last_sent: int | None = None
    held: list[EventMessage]
    feed: live.Feed

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.deliberation_id = int(self.scope["url_route"]["kwargs"]["deliberation_id"])
        # Another clinician's case looks exactly like one that does not exist.
        if not await database_sync_to_async(_visible)(user, self.deliberation_id):
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.held = []
        # Join before replaying: an event published during the replay is then either in
        # the replay or in the group queue, never in neither.
        await self.channel_layer.group_add(
            streaming.group_name(self.deliberation_id), self.channel_name
        )
        await self.accept()

    async def disconnect(self, code: int) -> None:
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
        await self._send_missing(up_to=None)
        held, self.held = self.held, []
        for event in held:
            await self._forward(event)

    async def deliberation_event(self, message: dict[str, Any]) -> None:
        event: EventMessage = message["event"]
        if self.last_sent is None:
            self.held.append(event)  # the page has not said where it is yet
            return
        await self._forward(event)

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
        await self.send_json(self.feed.message(event))
        self.last_sent = event["seq"]


class EscalationQueueConsumer(AsyncJsonWebsocketConsumer):
    """Pushes each new escalation to open queue pages (group ``escalations``). Reviewers and
    administrators only; the page sends nothing."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not await database_sync_to_async(escalation.can_view_queue)(user):
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await self.channel_layer.group_add(escalation.GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(escalation.GROUP, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        await self.close(code=CLOSE_BAD_REQUEST)

    async def escalation_created(self, message: dict[str, Any]) -> None:
        await self.send_json(message["escalation"])
