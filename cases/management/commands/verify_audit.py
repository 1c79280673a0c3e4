"""Verify the keyed audit chain against its last signed checkpoint; exit 1 on any finding."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases.audit import anchor as audit_anchor
from cases.audit import verify as audit_verify

INTACT = "Audit chain intact: {count} events verified."
ANCHORED = "Head anchored by the checkpoint of {time} (event {seq}); {unanchored} events since."
BROKEN = "Audit chain NOT intact: {problems} problem(s) found in {count} events."
CHECKPOINT_WRITTEN = "Checkpoint written for event {seq} to {path}."


class Command(BaseCommand):
    help = (
        "Verify every audit event's keyed hash and link, and the chain's head against the "
        "last signed checkpoint (missing tail, re-chained tail, gaps). Exits 1 on any problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint",
            action="store_true",
            help="After a clean check, append a signed checkpoint of the current head "
            "(for cron, or once after upgrading an installation that has none).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify.verify()
        fresh = options["checkpoint"] and all(f.kind == "no_checkpoint" for f in report.findings)
        if report.findings and not fresh:
            for finding in report.findings:
                self.stderr.write(f"- {finding.kind}: {finding.message}")
            if report.more_findings:
                self.stderr.write(f"- ... and {report.more_findings} more")
            problems = len(report.findings) + report.more_findings
            raise CommandError(BROKEN.format(problems=problems, count=report.rows), returncode=1)
        self.stdout.write(self.style.SUCCESS(INTACT.format(count=report.rows)))
        if report.checkpoint is not None:
            self.stdout.write(
                ANCHORED.format(
                    time=report.checkpoint.time,
                    seq=report.checkpoint.seq,
                    unanchored=report.unanchored,
                )
            )
        if options["checkpoint"] and report.rows:
            written = audit_anchor.append(seq=report.head_seq, head_hash=report.head_hash)
            self.stdout.write(CHECKPOINT_WRITTEN.format(seq=written.seq, path=audit_anchor.path()))
