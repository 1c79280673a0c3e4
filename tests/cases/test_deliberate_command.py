"""`manage.py deliberate`: one deliberation in the foreground, text or JSON."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from cases.models import Case, Deliberation
from tests.factories import make_panel
from tests.fakes import scripted  # noqa: F401  (registers the scripted provider)
from tests.fakes.scripted import answer

PNEUMONIA = answer("Community-acquired pneumonia", "J18.9")
PE = answer("Pulmonary embolism", "I26.99")


def member(propose):
    return {"provider": "scripted", "options": {"propose": propose}}


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("deliberate", *args, stdout=out)
    return out.getvalue()


def test_json_output_reports_consensus_winner_rounds_and_tokens(db):
    make_panel("cli", [member(PNEUMONIA)] * 4 + [member(PE)])

    record = json.loads(run("--panel", "cli", "--text", "Fever and cough.", "--json"))

    assert record["outcome"] == "consensus"
    assert record["reason"] == "supermajority"
    assert record["winner"] == {
        "class_key": "J18",
        "diagnosis": "Community-acquired pneumonia",
        "icd10": "J18.9",
        "icd10_description": "Pneumonia, unspecified organism",
        "votes": 4,
    }
    assert record["rounds"] == 2
    assert record["faults"] == []
    assert record["tokens"] > 0
    assert record["escalation_id"] is None
    assert [m["proposal"]["icd10"] for m in record["members"]] == ["J18.9"] * 4 + ["I26.99"]


def test_json_output_for_no_consensus_names_the_escalation_and_the_faults(db):
    crash = {"provider": "scripted", "fault_mode": "crash", "options": {}}
    make_panel("cli-fail", [member(PNEUMONIA)] * 2 + [crash] * 3)

    record = json.loads(run("--panel", "cli-fail", "--text", "Fever.", "--json"))

    assert (record["outcome"], record["reason"], record["winner"]) == (
        "no_consensus",
        "too_many_faults",
        None,
    )
    assert [f["kind"] for f in record["faults"]] == ["error"] * 3
    assert record["escalation_id"] is not None


def test_text_output_prints_each_member_and_the_outcome(db, tmp_path):
    make_panel("cli-text", [member(PNEUMONIA)] * 5)
    case = tmp_path / "case.txt"
    case.write_text("Fever, cough and crackles at the right base.")

    out = run("--panel", "cli-text", "--file", str(case))

    assert out.count("Community-acquired pneumonia (J18.9, 80%)") == 5
    assert "CONSENSUS (unanimous_round1)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--text", "   "], "The case text is empty."),
        (["--text", "x" * 20_001], "The case text has 20001 characters; the limit is 20000."),
        (["--panel", "nope", "--text", "Fever."], "There is no panel named 'nope'."),
        (["--panel", "short", "--text", "Fever."], "configured for n=5 members but has 4"),
    ],
)
def test_bad_input_exits_with_one_clear_line_and_writes_nothing(db, args, message):
    make_panel("cli", [member(PNEUMONIA)] * 5, is_default=True)
    make_panel("short", [member(PNEUMONIA)] * 4, n=5)

    with pytest.raises(CommandError, match=message) as excinfo:
        run(*args)

    assert "\n" not in str(excinfo.value)
    assert not Case.objects.exists() and not Deliberation.objects.exists()
