"""`manage.py calibrate`: the exact bound, fixed-sequence selection of the threshold, the
stored provenance and its audit, the admin's statement, and the refusal."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone

from cases.evaluation import calibrate, inputs, risk
from cases.models import AuditEvent, Case, Escalation
from panels.admin import guarantee_statement
from panels.models import Panel
from panels.providers import base
from panels.providers.base import CallRequest, Completion, DeltaSink, MemberSpec, Usage
from tests.factories import make_panel

SCRIPT = re.compile(r"answers (?P<diagnosis>.+?) \((?P<icd10>\S+)\) with confidence (?P<c>\d+)")


class CaseReader:
    """A member whose answer is written in the case text ("Every member answers Pneumonia
    (J18.9) with confidence 90."), so each case of a file can script its own deliberation.
    In Round 2 it votes for the proposal naming the same code."""

    def __init__(self, spec: MemberSpec) -> None:
        self.spec = spec

    async def complete(self, request: CallRequest, *, on_delta: DeltaSink) -> Completion:
        found = SCRIPT.search(request.case_text)
        assert found, request.case_text
        if request.phase == "propose":
            text = json.dumps(
                {
                    "diagnosis": found["diagnosis"],
                    "icd10": found["icd10"],
                    "confidence": int(found["c"]),
                    "reasoning": "As scripted.",
                    "differential": [],
                }
            )
        else:
            letter = next(e.letter for e in request.ballot if e.icd10 == found["icd10"])
            text = json.dumps({"vote": letter, "reasoning": "As scripted."})
        await base.stream_text(text, on_delta)
        return Completion(text, Usage(input_tokens=10, output_tokens=10))


@base.register("case-reader")
def _reader(spec: MemberSpec, api_key: str | None) -> CaseReader:
    return CaseReader(spec)


def line(case_id: str, *, pathology: str | None, confidence: int) -> dict[str, Any]:
    text = f"Case {case_id}. Every member answers Pneumonia (J18.9) with confidence {confidence}."
    return {"id": case_id, "text": text, "pathology": pathology}


def write(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in lines))
    return path


@pytest.fixture
def readers(db, kb):
    return make_panel("readers", [{"provider": "case-reader", "options": {}}] * 5)


def labelled(tmp_path: Path) -> Path:
    """40 confident right answers (90), 5 right and 5 wrong at 50, 2 out of scope at 30."""
    lines = [line(f"sure-{i}", pathology="Pneumonia", confidence=90) for i in range(40)]
    lines += [line(f"unsure-{i}", pathology="Pneumonia", confidence=50) for i in range(5)]
    lines += [line(f"wrong-{i}", pathology="Bronchitis", confidence=50) for i in range(5)]
    lines += [line(f"out-{i}", pathology=None, confidence=30) for i in range(2)]
    return write(tmp_path / "labelled.jsonl", lines)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("calibrate", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_calibrate_stores_the_smallest_threshold_that_meets_alpha_with_provenance(
    readers, tmp_path
):
    cases = labelled(tmp_path)
    output = run("--panel", "readers", "--cases", str(cases), "--alpha", "0.1", "--delta", "0.05")

    readers.refresh_from_db()
    # Above 50 the panel decides the 40 right cases only: bound 1 - 0.05 ** (1/40) = 0.072.
    # At 50 it also decides the 5 wrong ones, and the sequence stops there.
    assert readers.min_confidence == 51
    calibration = readers.calibration
    assert calibration["n"] == 52
    assert calibration["alpha"] == 0.1 and calibration["delta"] == 0.05
    assert calibration["decided"] == 40 and calibration["wrong"] == 0
    assert calibration["coverage"] == pytest.approx(40 / 52)
    assert calibration["bound"] == pytest.approx(1 - 0.05 ** (1 / 40))
    assert calibration["files"][0]["sha256"] == inputs.sha256_of(cases)
    assert calibration["cases"] == str(cases)
    assert datetime.fromisoformat(calibration["date"]).date() == timezone.now().date()

    event = AuditEvent.objects.get(action=calibrate.AUDIT_ACTION)
    assert event.object_id == str(readers.pk)
    assert event.payload["min_confidence"] == {"from": 0, "to": 51}
    # Evaluation runs never reach the human queue.
    assert not Escalation.objects.exists()
    assert not Case.objects.filter(is_evaluation=False).exists()

    assert "<- chosen" in output
    table = [row.split() for row in output.splitlines() if row.strip()[:1].isdigit()]
    by_threshold = {int(row[0]): row for row in table}
    assert by_threshold[51][1] == "40/52" and by_threshold[31][1] == "50/52"
    assert (
        "On 52 labelled cases (52 free-text notes), with 95 % confidence, at most 10 % of the "
        "cases this panel decides are wrong; it decides 77 % of them. The guarantee holds for "
        "cases like these" in output
    )


def test_calibrate_refuses_and_says_how_many_decided_cases_would_be_needed(readers, tmp_path):
    cases = labelled(tmp_path)
    with pytest.raises(CommandError) as refused:
        run("--panel", "readers", "--cases", str(cases), "--alpha", "0.01")

    message = str(refused.value)
    assert "No min_confidence meets alpha = 1 % at 95 % confidence on these 52 cases" in message
    assert "at least 299 decided cases" in message
    readers.refresh_from_db()
    assert readers.min_confidence == 0 and readers.calibration == {}
    assert not AuditEvent.objects.filter(action=calibrate.AUDIT_ACTION).exists()


def test_calibrate_refuses_when_the_strictest_testable_threshold_has_too_many_errors(
    readers, tmp_path
):
    lines = [line(f"w-{i}", pathology="Bronchitis", confidence=90) for i in range(3)]
    lines += [line(f"r-{i}", pathology="Pneumonia", confidence=90) for i in range(27)]
    cases = write(tmp_path / "bad.jsonl", lines)
    with pytest.raises(CommandError, match=r"3 of 30 decided cases are wrong"):
        run("--panel", "readers", "--cases", str(cases), "--alpha", "0.1")
    assert Panel.objects.get(name="readers").min_confidence == 0


def test_calibrate_rejects_bad_levels_and_missing_cases(readers, tmp_path):
    with pytest.raises(CommandError, match="--alpha"):
        run("--panel", "readers", "--cases", str(labelled(tmp_path)), "--alpha", "1.5")
    with pytest.raises(inputs.EvaluationError, match="--cases FILE.jsonl, --csv FILE"):
        calibrate.deliberate(panel="readers")
    assert not Case.objects.exists()


def test_calibrate_on_ddxplus_rows_with_the_offline_panel(db, kb, tmp_path):
    from panels.demo import seed

    seed()
    # A bare --csv is the shipped rows, held out of their judges' training by evaluate's folds.
    output = run("--panel", "offline", "--csv", "--limit", "30", "--seed", "4", "--alpha", "0.2")
    offline = Panel.objects.get(name="offline")
    assert offline.calibration["n"] == 30
    (source,) = offline.calibration["files"]
    shipped = (kb.directory / "dev_patients.csv").resolve()
    assert (Path(settings.BASE_DIR) / source["path"]).resolve() == shipped
    assert (source["kind"], source["folds"], source["in_training"]) == ("csv", 5, 0)
    assert "(30 DDXPlus rows held out of the members' training)" in output
    assert offline.calibration["bound"] <= 0.2
    assert f"min_confidence set to {offline.min_confidence}" in output


# --- the pure parts -----------------------------------------------------------------------


def point(threshold: int, decided: int, wrong: int, *, cases: int = 1000) -> risk.Point:
    from cases import metrics

    bound = metrics.clopper_pearson_upper(wrong, decided, delta=0.05)
    return risk.Point(threshold, cases, decided, wrong, bound)


def test_fixed_sequence_stops_at_the_first_failure_even_if_a_more_lenient_one_passes():
    points = [
        point(90, 400, 0),  # passes
        point(80, 500, 1),  # passes
        point(70, 600, 20),  # fails: the sequence stops
        point(60, 5000, 2),  # would pass, but is never tested
    ]
    selection = risk.select(points, alpha=0.01, delta=0.05)
    assert selection.chosen is not None and selection.chosen.threshold == 80
    assert [p.threshold for p in selection.tested] == [90, 80, 70]


def test_thresholds_that_decide_too_few_cases_are_not_tested():
    points = [point(99, 10, 0), point(95, 298, 0), point(90, 299, 0), point(0, 900, 50)]
    selection = risk.select(points, alpha=0.01, delta=0.05)
    assert selection.needed == 299
    assert [p.threshold for p in selection.tested] == [90, 0]
    assert selection.chosen is not None and selection.chosen.threshold == 90


def test_no_threshold_is_chosen_when_the_first_tested_fails():
    selection = risk.select([point(50, 400, 10), point(0, 900, 9)], alpha=0.01, delta=0.05)
    assert selection.chosen is None
    assert [p.threshold for p in selection.tested] == [50]


def test_the_admin_states_the_guarantee_in_words():
    calibration = {
        "n": 212,
        "alpha": 0.01,
        "delta": 0.05,
        "coverage": 0.7123,
        "min_confidence": 62,
        "date": "2026-12-01T11:00:00+00:00",
        "cases": "x.jsonl",
    }
    statement = guarantee_statement(calibration, min_confidence=62)
    assert statement.startswith(
        "On 212 labelled cases, with 95 % confidence, at most 1 % of the cases this panel "
        "decides are wrong; it decides 71 % of them."
    )
    assert "min_confidence 62, calibrated 2026-12-01 on x.jsonl" in statement
    assert "does not hold" in guarantee_statement(calibration, min_confidence=40)
    assert guarantee_statement({}, min_confidence=0) == ""


def test_the_panel_admin_page_shows_the_statement(client, readers):
    calibrate.store(
        "readers",
        provenance={
            "n": 212,
            "alpha": 0.01,
            "delta": 0.05,
            "coverage": 0.71,
            "min_confidence": 62,
            "date": "2026-12-01T11:00:00+00:00",
            "cases": "a.jsonl",
        },
    )
    client.force_login(User.objects.create_superuser("root", password="pw-root"))
    html = client.get(f"/admin/panels/panel/{readers.pk}/change/").content.decode()
    assert (
        "On 212 labelled cases, with 95 % confidence, at most 1 % of the cases this panel "
        "decides are wrong; it decides 71 % of them." in html
    )


def test_several_files_pool_and_a_bad_one_stops_everything_before_deliberating(readers, tmp_path):
    first = write(
        tmp_path / "a.jsonl",
        [line(f"a-{i}", pathology="Pneumonia", confidence=90) for i in range(20)],
    )
    second = write(
        tmp_path / "b.jsonl",
        [line(f"b-{i}", pathology="Pneumonia", confidence=80) for i in range(20)],
    )
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "x", "text": "Fever.", "pathology": "Flu"}\n')

    with pytest.raises(CommandError, match="broken.jsonl, line 1"):
        run("--panel", "readers", "--cases", str(first), str(broken), "--alpha", "0.2")
    assert not Case.objects.exists()

    run("--panel", "readers", "--cases", str(first), str(second), "--alpha", "0.2")
    calibration = Panel.objects.get(name="readers").calibration
    assert calibration["n"] == 40
    assert [f["n"] for f in calibration["files"]] == [20, 20]
    # 40 right answers decided down to 80, 20 above it: the smallest passing threshold is 0.
    assert calibration["min_confidence"] == 0 and calibration["decided"] == 40


def test_the_curve_decides_each_case_once_per_cut_and_matches_every_threshold(readers, tmp_path):
    lines = [line(f"c-{c}", pathology="Pneumonia", confidence=c) for c in (0, 1, 49, 50, 99)]
    lines += [line(f"w-{c}", pathology="Bronchitis", confidence=c) for c in (50, 51, 100)]
    records, snapshot, _ = calibrate.deliberate(
        panel="readers", cases=[write(tmp_path / "cuts.jsonl", lines)]
    )
    q, f = snapshot["q"], snapshot["f"]
    points = risk.curve(records, q=q, f=f, delta=0.05)
    for point in points:
        verdicts = [risk.verdict_at(r, q=q, f=f, min_confidence=point.threshold) for r in records]
        assert point.decided == sum(v != "none" for v in verdicts), point.threshold
        assert point.wrong == verdicts.count("wrong"), point.threshold
    # Each case is decided once per cut: a threshold just above a confidence drops it.
    by_threshold = {p.threshold: p for p in points}
    assert (by_threshold[50].decided, by_threshold[51].decided) == (5, 3)
    assert (by_threshold[100].decided, by_threshold[100].wrong) == (1, 1)
