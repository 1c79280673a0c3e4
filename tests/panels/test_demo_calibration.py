"""The demo offline panel's threshold comes from the committed calibration record
(panels/offline/data/demo_calibration.json, written by `make calibrate-demo`): the record
names the repository's files by sha256, and seed_demo applies it without deliberating."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

from cases import metrics
from panels import demo
from panels.admin import guarantee_statement
from panels.models import Panel


def record() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(demo.CALIBRATION_RECORD.read_text(encoding="utf-8"))
    return data


def test_the_record_names_the_files_in_the_repository_by_their_sha256():
    calibration = record()["calibration"]
    kinds = {entry["kind"] for entry in calibration["files"]}
    assert kinds == {"cases", "csv"}  # free-text notes and DDXPlus rows
    for entry in calibration["files"]:
        path = Path(settings.BASE_DIR) / entry["path"]
        # An edited development set (or data file) makes the record visibly stale here:
        # run `make calibrate-demo` again.
        assert demo.file_sha256(path) == entry["sha256"], entry["path"]
    assert sum(entry["n"] for entry in calibration["files"]) == calibration["n"]


def test_the_record_is_a_passing_calibration():
    data = record()
    calibration = data["calibration"]
    assert data["panel"] == "offline"
    # 0 is a valid outcome: the members' own abstentions already keep the bound, and no
    # decision needs to be held back for low confidence (the record after issue 11's stop 20).
    assert data["min_confidence"] == calibration["min_confidence"]
    assert 0 <= data["min_confidence"] <= 100
    assert calibration["bound"] <= calibration["alpha"]
    # The stated bound is the exact one for the stated counts, not a number typed in.
    assert calibration["bound"] == pytest.approx(
        metrics.clopper_pearson_upper(
            calibration["wrong"], calibration["decided"], delta=calibration["delta"]
        )
    )
    chosen = [p for p in data["risk_coverage"] if p["threshold"] <= data["min_confidence"]][-1]
    assert (chosen["decided"], chosen["wrong"]) == (calibration["decided"], calibration["wrong"])


def test_seed_demo_applies_the_record(db):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    offline = Panel.objects.get(name="offline")
    data = record()
    assert offline.min_confidence == data["min_confidence"]
    assert offline.calibration == data["calibration"]
    assert f"offline panel min_confidence {data['min_confidence']}" in out.getvalue()
    statement = guarantee_statement(offline.calibration, min_confidence=offline.min_confidence)
    n = data["calibration"]["n"]
    assert statement.startswith(f"On {n:,} labelled cases (")
    assert "free-text notes and" in statement
    assert "DDXPlus rows held out of the members' training), with 95 % confidence" in statement
    assert "The guarantee holds for cases like these" in statement
    # Only the offline panel is calibrated by the record.
    assert Panel.objects.get(name="chaos").min_confidence == 0


def test_a_stale_or_missing_record_is_said_in_words(db, tmp_path):
    demo.seed()
    stale = record()
    stale["calibration"]["files"][0]["sha256"] = "0" * 64
    stale["calibration"]["code"] = "another version"
    path = tmp_path / "record.json"
    path.write_text(json.dumps(stale))
    lines = demo.apply_calibration(path)
    assert any("another sha256" in line for line in lines)
    assert any("other offline-member code" in line for line in lines)

    Panel.objects.filter(name="offline").update(min_confidence=7)
    assert demo.apply_calibration(tmp_path / "none.json") == [
        demo.NO_RECORD.format(path=tmp_path / "none.json", value=7)
    ]
    assert Panel.objects.get(name="offline").min_confidence == 7
