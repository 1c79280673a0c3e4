"""Run one deliberation in the foreground and print what every member said."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from asgiref.sync import async_to_sync
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases import decision_record, deliberation, intake
from cases.models import Deliberation, TurnStatus


class Command(BaseCommand):
    help = "Deliberate one case on a panel: --panel NAME (--text '...' | --file case.txt) [--json]"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--panel", help="Panel name (default: the default panel).")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--text", help="The case text.")
        source.add_argument("--file", type=Path, help="A file holding the case text.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        text = options["text"]
        if options["file"] is not None:
            try:
                text = options["file"].read_text()
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"Cannot read {options['file']}: {exc}") from None
        try:
            created = intake.submit(
                text=text or "", panel_name=options["panel"], user=None, run_here=True
            ).deliberation
        except intake.REFUSALS as exc:
            raise CommandError(str(exc)) from None

        started = time.monotonic()
        async_to_sync(deliberation.run)(created.pk)
        record = summary(Deliberation.objects.get(pk=created.pk))
        record["wall_time_s"] = round(time.monotonic() - started, 3)
        if options["json"]:
            self.stdout.write(json.dumps(record, indent=2))
        else:
            self.stdout.write(as_text(record))


def summary(d: Deliberation) -> dict[str, Any]:
    """The command's JSON shape: outcome, reason, winner, rounds, faults, tokens, members."""
    members: list[dict[str, Any]] = [
        {"alias": s.alias, "provider": s.provider, "proposal": None, "vote": None}
        for s in d.snapshot.specs
    ]
    faults = []
    for p in d.proposals.all():
        members[p.member_index]["proposal"] = (
            {
                "diagnosis": p.diagnosis or None,
                "icd10": p.icd10 or None,
                "confidence": p.confidence,
                "abstained": p.abstained,
                "below_threshold": p.below_threshold,
                "mark": p.mark or None,
                "reasoning": p.reasoning,
            }
            if p.status == TurnStatus.OK
            else {"status": p.status, "error": p.error}
        )
        if p.is_fault:
            faults.append({"member": p.alias, "round": 1, "kind": p.status, "error": p.error})
    for v in d.votes.select_related("proposal"):
        members[v.member_index]["vote"] = (
            {
                "for": v.proposal.alias if v.proposal else None,
                "class": v.class_key or None,
                "abstained": v.abstained,
                "reasoning": v.reasoning,
            }
            if v.status == TurnStatus.OK
            else {"status": v.status, "error": v.error}
        )
        if v.is_fault:
            faults.append({"member": v.alias, "round": 2, "kind": v.status, "error": v.error})
    escalation = d.escalations.first()
    return {
        "deliberation_id": d.pk,
        "panel": d.snapshot.name,
        "outcome": d.outcome or d.status,
        "reason": d.reason or d.failure,
        "reason_text": d.reason_label or d.failure,
        "abstentions": d.abstentions,
        "winner": d.winner_summary,
        "dissent": d.dissent,
        "rounds": d.rounds,
        "round2_skipped": d.round2_skipped or None,
        "tally": d.tally,
        "faults": faults,
        "tokens": d.input_tokens + d.output_tokens,
        "escalation_id": escalation.pk if escalation else None,
        "escalation_reason": escalation.reason if escalation else None,
        "members": members,
        "decision": decision_record.current_decision(d.case).as_dict(),
    }


def as_text(record: dict[str, Any]) -> str:
    lines = [f"Panel {record['panel']}, deliberation {record['deliberation_id']}"]
    for m in record["members"]:
        said, voted = _said(m["proposal"]), _voted(m["vote"])
        lines.append(f"  {m['alias']:<14} {said}{voted}")
    if record["winner"]:
        w = record["winner"]
        lines.append(
            f"CONSENSUS ({record['reason']}): {w['diagnosis']} [{w['icd10']}], {w['votes']} votes"
        )
        lines.extend(f"  FLAG: {d['text']}" for d in record["dissent"])
        if record["escalation_id"]:
            lines.append(
                f"  also sent to review ({record['escalation_reason']}) as "
                f"#{record['escalation_id']}"
            )
    else:
        lines.append(
            f"NO CONSENSUS ({record['reason_text']}): escalated as #{record['escalation_id']}"
        )
    lines.append(f"{record['tokens']} tokens, {record['wall_time_s']} s")
    return "\n".join(lines)


def _said(p: dict[str, Any] | None) -> str:
    if p is None:
        return "no answer"
    if "status" in p:
        return f"FAULT {p['status']}: {p['error']}"
    if p["abstained"]:
        return f"{p['mark']}: {p['reasoning']}"
    said = f"{p['diagnosis']} ({p['icd10'] or 'no code'}, {p['confidence']}%)"
    return f"{said} [{p['mark']}]" if p["mark"] else said


def _voted(v: dict[str, Any] | None) -> str:
    if v is None:
        return ""
    if "status" in v:
        return f" -> vote {v['status']}: {v['error']}"
    return " -> abstained in Round 2" if v["abstained"] else f" -> votes {v['for']}"
