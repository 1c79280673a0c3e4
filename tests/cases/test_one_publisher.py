"""``cases/streaming.py`` is the one publisher of live events: no other production module
sends to a channel group (read from the source with ``ast``; nothing is imported)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PRODUCTION = ("accounts", "cases", "consensus_site", "panels")


def _sends_to_a_group(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return any(
        isinstance(node, ast.Attribute) and node.attr == "group_send" for node in ast.walk(tree)
    )


def test_only_streaming_sends_to_a_channel_group():
    senders = {
        str(path.relative_to(ROOT))
        for package in PRODUCTION
        for path in (ROOT / package).rglob("*.py")
        if _sends_to_a_group(path)
    }

    assert senders == {"cases/streaming.py"}


def test_a_broadcast_on_a_broken_layer_is_logged_and_never_raises(monkeypatch, caplog):
    from cases import streaming

    class Broken:
        async def group_send(self, group: str, message: object) -> None:
            raise ConnectionError("layer down")

    monkeypatch.setattr(streaming, "get_channel_layer", lambda: Broken())

    streaming.broadcast("escalations", {"type": "escalation.created", "escalation": {}})

    assert "could not send escalation.created to escalations" in caplog.text
