"""`manage.py evaluate`: DDXPlus patients deliberated by the offline panel end to end, the
files it writes, fault injection on a copy of the panel, and --simulate."""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from cases import evaluation, protocol
from cases.evaluation import report
from cases.models import Case, Escalation, EvaluationItem, EvaluationRun, Proposal, TurnStatus
from panels.demo import seed
from panels.models import Panel, PanelMember
from panels.offline import knowledge


@pytest.fixture
def offline(db, kb):
    """The demo `offline` panel (five builtin members), with a short grace period so that
    hanging members time out quickly."""
    seed()
    Panel.objects.filter(name="offline").update(grace_period_s=0.2)
    return Panel.objects.get(name="offline")


# The fault-injection and round-mechanics tests judge with the panel's own members
# (evaluate's `--folds 0`), trained once per process and kept in the on-disk model cache.
# Out-of-sample folds train five members per fold (about 17 s of CPU each time) and change
# nothing these tests check; the default five folds are tested end to end by
# test_evaluates_50_patients_end_to_end_and_writes_both_files (and two folds in two processes
# by tests/cases/test_evaluation_parallel.py).
IN_SAMPLE = ("--folds", "0")


def evaluate(out: Path, *args: str) -> dict[str, Any]:
    call_command("evaluate", "--out", str(out), *args, stdout=io.StringIO(), stderr=io.StringIO())
    results: dict[str, Any] = json.loads((out / "results.json").read_text())
    return results


def test_evaluates_50_patients_end_to_end_and_writes_both_files(offline, tmp_path):
    results = evaluate(tmp_path, "--limit", "50", "--seed", "11")

    assert results["n_cases"] == 50
    panel = results["panel"]
    rates = [panel["correct_consensus"], panel["wrong_consensus"], panel["no_consensus"]]
    assert sum(rates) == pytest.approx(1.0)
    assert panel["correct_consensus"] > 0.5  # chance is 1/49
    assert panel["tokens_per_case"] > 0
    assert [m["alias"] for m in results["members"]] == [f"Offline-{i}" for i in range(1, 6)]
    assert all(0 <= m["accuracy"] <= 1 for m in results["members"])
    assert results["run"]["folds"] == 5  # out-of-sample by default

    # The figures are the stored rows': recount one member's accuracy from the database.
    run = EvaluationRun.objects.get()
    items = list(run.items.all())
    assert len(items) == 50
    right = sum(
        Proposal.objects.get(deliberation=item.deliberation, member_index=0).class_key
        in item.true_classes
        for item in items
    )
    assert results["members"][0]["accuracy"] == right / 50
    assert run.results["n_cases"] == 50

    # Evaluation cases stay out of clinicians' lists and the human queue.
    assert Case.objects.filter(is_evaluation=False).count() == 0
    assert Escalation.objects.count() == 0

    html = (tmp_path / "report.html").read_text()
    assert html.count("<svg") >= 5
    assert "Offline-3" in html and "Wilson" in html
    # Self-contained: no scripts, stylesheets or images fetched from anywhere.
    assert not re.search(r"<(script|link|img)\b", html)
    assert not re.search(r"\b(src|href)=", html)


def test_each_round_1_proposal_is_judged_against_the_row_it_came_from(offline, tmp_path, kb):
    evaluate(tmp_path, "--limit", "5", "--seed", "2", *IN_SAMPLE)
    for item in EvaluationItem.objects.select_related("deliberation__case"):
        row = kb.rows[item.row_index]
        assert item.pathology == row.pathology
        assert item.deliberation.case.text == knowledge.render_patient(row)
        assert item.severity == kb.conditions[row.pathology].severity


def test_crash_2_gives_2_faulted_members_per_case_and_leaves_the_saved_panel_alone(
    offline, tmp_path
):
    results = evaluate(tmp_path, "--limit", "10", "--crash", "2", *IN_SAMPLE)

    assert results["panel"]["faulted_members_per_case"] == 2.0
    # Crashed members fault in Round 1 and take no part in Round 2.
    assert results["panel"]["faults_by_kind"] == {TurnStatus.ERROR: 20}
    crashed = [m for m in results["members"] if m["fault_mode"] == "crash"]
    assert [m["alias"] for m in crashed] == ["Offline-4 (crash)", "Offline-5 (crash)"]
    assert all(m["accuracy"] == 0 and m["faults"] == {"error": 10} for m in crashed)
    saved = PanelMember.objects.filter(panel=offline).values_list("fault_mode", flat=True)
    assert set(saved) == {""}
    # Three members remain, the table is for them.
    assert results["reliability"]["voters"] == 3


def test_garbage_and_hang_are_counted_as_their_own_fault_kinds(offline, tmp_path):
    results = evaluate(tmp_path, "--limit", "4", "--garbage", "1", "--hang", "1", *IN_SAMPLE)

    assert results["panel"]["faulted_members_per_case"] == 2.0
    assert results["panel"]["faults_by_kind"] == {TurnStatus.INVALID: 4, TurnStatus.TIMEOUT: 4}


def test_two_colluders_beside_a_crash_turn_consensus_into_no_consensus(offline, tmp_path):
    crash_only = evaluate(
        tmp_path / "a", "--limit", "12", "--seed", "3", "--crash", "1", *IN_SAMPLE
    )
    attacked = evaluate(
        tmp_path / "b",
        "--limit",
        "12",
        "--seed",
        "3",
        "--crash",
        "1",
        "--byzantine",
        "2",
        *IN_SAMPLE,
    )

    harmed = attacked["panel"]["wrong_consensus"] + attacked["panel"]["no_consensus"]
    before = crash_only["panel"]["wrong_consensus"] + crash_only["panel"]["no_consensus"]
    assert harmed > before
    # Colluders push a diagnosis that is wrong for every patient.
    for proposal in Proposal.objects.filter(alias__endswith="(collude)"):
        item = proposal.deliberation.evaluation_item
        assert proposal.class_key not in item.true_classes
    # With 3 faulty members (> f = 2) the panel may only fail safe, never agree on a lie
    # unless honest members also made that mistake.
    assert attacked["panel"]["wrong_consensus"] <= crash_only["panel"]["wrong_consensus"]


def test_byzantine_members_always_propose_their_target(offline, tmp_path):
    results = evaluate(tmp_path, "--limit", "8", "--byzantine", "2", *IN_SAMPLE)

    colluders = [m for m in results["members"] if m["fault_mode"] == "collude"]
    assert len(colluders) == 2
    assert all(m["accuracy"] == 0 and m["valid_proposals"] == 8 for m in colluders)
    assert results["reliability"]["b"] == 2


def test_without_early_abort_every_case_runs_round_2(offline, tmp_path):
    with_abort = evaluate(tmp_path / "a", "--limit", "6", "--seed", "5", *IN_SAMPLE)
    without = evaluate(
        tmp_path / "b", "--limit", "6", "--seed", "5", "--no-early-abort", *IN_SAMPLE
    )

    assert without["early_stop"]["round2_skipped"] == 0
    assert without["early_stop"]["round2_run"] == 6
    assert without["panel"]["tokens_per_case"] > with_abort["panel"]["tokens_per_case"]


def test_more_faults_than_members_is_refused(offline, tmp_path):
    with pytest.raises(CommandError, match="only 5 members"):
        call_command("evaluate", "--out", str(tmp_path), "--crash", "4", "--garbage", "2")
    assert not Case.objects.exists()


def test_faulty_snapshot_is_a_copy():
    snapshot = {"members": [{"alias": f"M{i}", "options": {}} for i in range(5)]}

    copy = evaluation.faulty_snapshot(snapshot, faults=evaluation.Faults(byzantine=1, hang=1))

    assert [m.get("fault_mode", "") for m in copy["members"]] == ["", "", "", "collude", "hang"]
    assert copy["members"][3]["fault_target"] == evaluation.COLLUDE_TARGETS[0]
    assert all("fault_mode" not in m for m in snapshot["members"])


def test_true_classes_use_the_corrected_codes_and_split_the_others(kb):
    pneumonia = kb.conditions["Pneumonia"]  # "j17, j18" in the knowledge base; J17 is a quirk
    assert evaluation.true_classes(pneumonia, level="category") == ["J18"]
    assert evaluation.true_classes(kb.conditions["SLE"], level="category") == ["M32"]
    assert evaluation.true_classes(kb.conditions["SLE"], level="code") == ["M32.9"]
    angina = kb.conditions["Unstable angina"]
    assert evaluation.true_classes(angina, level="code") == ["I20.0"]


def test_every_condition_named_with_its_own_code_counts_as_right_at_either_level(kb):
    # One source for the codes: what an offline member answers for a condition is what the
    # evaluation's truth accepts for it (SLE was M32.9 for one and M32 for the other).
    for condition in kb.conditions.values():
        if condition.code is None:
            continue
        for level in ("category", "code"):
            key = protocol.class_key(condition.name, condition.code, level=level)
            assert key in evaluation.true_classes(condition, level=level), (condition.name, level)


def test_colluders_switch_target_when_the_first_is_the_truth():
    assert evaluation.collude_target_for(["I26"], level="category") == evaluation.COLLUDE_TARGETS[1]
    assert evaluation.collude_target_for(["J18"], level="category") == evaluation.COLLUDE_TARGETS[0]


def test_sample_rows_is_reproducible_and_distinct():
    first = evaluation.sample_rows(100, limit=10, seed=4)
    assert first == evaluation.sample_rows(100, limit=10, seed=4)
    assert len(set(first)) == 10
    assert evaluation.sample_rows(5, limit=None, seed=4) == [0, 1, 2, 3, 4]


def test_simulate_prints_simulated_and_exact_rates():
    out = io.StringIO()
    call_command(
        "evaluate",
        "--simulate",
        "--p",
        "0.1",
        "--k",
        "10",
        "--b",
        "2",
        "--trials",
        "2000",
        stdout=out,
    )
    text = out.getvalue()
    assert "2000 trials" in text
    # The exact column carries DESIGN's reference figures for b=2, k=10.
    exact = {
        line.split()[0]: float(line.split()[2])
        for line in text.splitlines()
        if line.split() and line.split()[0] in ("correct", "wrong", "none")
    }
    assert exact == pytest.approx({"correct": 0.7290, "wrong": 0.0297, "none": 0.2413}, abs=6e-5)


def test_progress_is_shown_on_stderr(offline, tmp_path):
    err = io.StringIO()
    call_command(
        "evaluate",
        "--out",
        str(tmp_path),
        "--limit",
        "3",
        *IN_SAMPLE,
        stdout=io.StringIO(),
        stderr=err,
    )
    assert re.search(r"3/3 cases, [\d.]+ cases/s, \d+ s left", err.getvalue())


SNAPSHOT = {
    "name": "trio",
    "n": 3,
    "q": 2,
    "f": 1,
    "agreement_level": "category",
    "early_abort": True,
    "early_decision": True,
    "members": [{"alias": "A"}, {"alias": "<script>B</script>"}, {"alias": "C"}],
}


def record(truth, proposals, votes=None, *, winner="", skipped="", tokens=100):
    r = evaluation.CaseRecord(
        row_index=0, pathology="Pneumonia", severity=3, truth=truth, status="finished"
    )
    r.outcome = "consensus" if winner else "no_consensus"
    r.winner, r.round2_skipped, r.tokens = winner, skipped, tokens
    r.proposals = dict(enumerate(proposals))
    r.votes = dict(enumerate(votes or []))
    r.answers = {i: (False, 80) for i, (status, _, _) in r.proposals.items() if status == "ok"}
    return r


def test_summarise_counts_verdicts_members_faults_and_round_2_savings():
    ok, fault = TurnStatus.OK, TurnStatus.TIMEOUT
    records = [
        # Unanimous and right: Round 2 skipped.
        record(["J18"], [(ok, "J18", 10)] * 3, winner="J18", skipped="unanimous_round1"),
        # Wrong consensus after Round 2 (votes of 20 tokens each).
        record(
            ["J18"],
            [(ok, "I26", 10), (ok, "I26", 10), (ok, "J18", 10)],
            [(ok, "I26", 20)] * 3,
            winner="I26",
            tokens=90,
        ),
        # A fault and a split: no consensus.
        record(
            ["J18"],
            [(ok, "J18", 10), (fault, "", 0), (ok, "K35", 10)],
            [(ok, "J18", 20), (ok, "K35", 20)],
        ),
    ]

    results = evaluation.summarise(records, snapshot=SNAPSHOT, wall_time_s=2.0, options={})

    panel = results["panel"]
    assert (panel["correct_consensus"], panel["wrong_consensus"]) == (1 / 3, 1 / 3)
    assert panel["no_consensus"] == 1 / 3
    assert [m["accuracy"] for m in results["members"]] == [2 / 3, 1 / 3, 2 / 3]
    assert results["members"][1]["faults"] == {"timeout": 1}
    assert panel["faulted_members_per_case"] == 1 / 3
    # Honest error over valid proposals: 3 wrong of 8.
    assert results["reliability"]["p_single_member_error"] == 3 / 8
    # The skipped Round 2 would have had 3 voters at 20 tokens each.
    assert results["early_stop"]["estimated_tokens_saved_by_early_abort"] == 60
    assert results["run"]["cases_per_s"] == 1.5


def test_report_escapes_names_and_draws_every_chart():
    records = [record(["J18"], [(TurnStatus.OK, "J18", 10)] * 3, winner="J18")] * 4
    results = evaluation.summarise(records, snapshot=SNAPSHOT, wall_time_s=1.0, options={})

    html = report.render(results)

    assert "<script>" not in html and "&lt;script&gt;B&lt;/script&gt;" in html
    assert html.count("<svg") == len(report.charts(results))


def test_log_scale_reaches_down_to_the_smallest_exact_rate():
    chart = report.log_groups(
        "t", [("wrong", [("exact", 3.6e-6, "none"), ("seen", 0.0055, "bad")])]
    )

    ticks = [label.text for label in chart.labels if label.css == "tick"]
    assert ticks[0] == "1e-6" and ticks[-1] == "1"
    exact, seen = chart.rects
    assert 0 < exact.width < seen.width


# --- free-text cases, risk-coverage, CSVs from anywhere --------------------------------------


def _medqa() -> Path:
    """The MedQA development vignettes: MEDQA_DIR, else ``shared/data/medqa`` beside the
    checkout (or beside a folder holding it, for worktrees)."""
    if os.environ.get("MEDQA_DIR"):
        return Path(os.environ["MEDQA_DIR"])
    root = Path(__file__).resolve().parents[2]
    found = [p / "shared" / "data" / "medqa" for p in root.parents]
    return next((p for p in found if p.is_dir()), found[0])


MEDQA = _medqa()


def write_cases(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def free_text(kb, tmp_path: Path) -> Path:
    rows = kb.rows[:4]
    lines: list[dict[str, Any]] = [
        {
            "id": f"row-{i}",
            "text": knowledge.render_patient(row),
            "pathology": row.pathology,
            "source": "extra fields are ignored",
        }
        for i, row in enumerate(rows)
    ]
    lines.append({"id": "nonsense", "text": "asdf qwerty zxcv", "pathology": None})
    lines.append({"id": "no-label", "text": "A 72-year-old woman with a rash on her hands."})
    return write_cases(tmp_path / "cases.jsonl", lines)


def test_free_text_cases_write_one_line_each_and_judge_out_of_scope_consensus_wrong(
    offline, tmp_path, kb
):
    results = evaluate(tmp_path / "out", "--cases", str(free_text(kb, tmp_path)))

    lines = [json.loads(x) for x in (tmp_path / "out" / "cases.jsonl").read_text().splitlines()]
    assert [x["id"] for x in lines] == ["row-0", "row-1", "row-2", "row-3", "nonsense", "no-label"]
    for x in lines:
        assert set(x) >= {"id", "outcome", "reason", "winner", "abstentions"}
        if x["outcome"] == "consensus":
            assert set(x["winner"]) == {"diagnosis", "icd10", "votes"}
            assert x["verdict"] == ("wrong" if x["pathology"] is None else x["verdict"])
        else:
            assert x["winner"] is None and x["verdict"] == "none"
    # Age and sex come from the text.
    case = Case.objects.get(text__startswith="A 72-year-old woman")
    assert (case.age, case.sex) == (72, "F")
    assert results["scope"]["out_of_scope"]["cases"] == 2
    assert results["scope"]["in_scope"]["cases"] == 4
    wrong_out = sum(1 for x in lines if x["pathology"] is None and x["outcome"] == "consensus")
    assert results["scope"]["out_of_scope"]["wrong"]["count"] == wrong_out
    assert "rate" in results["abstention"] and results["abstention"]["answers"] > 0
    assert results["training"]["kind"] == "free_text"

    html = (tmp_path / "out" / "report.html").read_text()
    assert "free-text cases" in html and 'id="risk-coverage"' in html and "Abstention rate" in html
    assert not Escalation.objects.exists()


def test_risk_coverage_redecides_stored_rows_and_reproduces_the_run_at_its_own_threshold(
    offline, tmp_path, kb
):
    from cases.evaluation import risk

    results = evaluate(tmp_path, "--cases", str(free_text(kb, tmp_path)), "--no-early-abort")
    run = EvaluationRun.objects.get()
    records = evaluation.run_records(run)
    snap = EvaluationItem.objects.filter(run=run)[0].deliberation.panel_snapshot
    for r in records:
        decision = risk.decide_at(r, q=snap["q"], f=snap["f"], min_confidence=0)
        assert (decision.outcome, decision.winner or "") == (r.outcome, r.winner), r.case_id
    points = results["risk_coverage"]["points"]
    assert points[0]["threshold"] == 0
    decided = [p["decided"] for p in points]
    assert decided == sorted(decided, reverse=True)  # stricter thresholds decide fewer cases
    assert points[0]["decided"] == sum(1 for r in records if r.outcome == "consensus")


def test_bad_case_lines_are_refused_with_the_line_number_and_nothing_is_written(offline, tmp_path):
    bad = tmp_path / "bad.jsonl"
    for content, message in (
        ('{"id": "a", "text": "Fever."}\nnot json\n', "line 2: not a JSON object"),
        ('{"id": "a", "text": ""}\n', "'text' must be a non-empty string"),
        ('{"id": "a", "text": "x", "pathology": "Flu"}\n', "'pathology' 'Flu' is not a DDXPlus"),
        ('{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n', "already used on line 1"),
        ("\n", "No cases to evaluate"),
    ):
        bad.write_text(content)
        with pytest.raises(CommandError, match=re.escape(message)):
            call_command("evaluate", "--out", str(tmp_path / "o"), "--cases", str(bad))
    assert not Case.objects.exists() and not EvaluationRun.objects.exists()
    with pytest.raises(CommandError, match="not both"):
        call_command("evaluate", "--cases", str(bad), "--csv", str(bad))


def test_a_csv_anywhere_is_rendered_with_the_knowledge_base_and_training_rows_are_marked(
    offline, tmp_path, kb
):
    source = kb.directory / knowledge.PATIENTS_FILE
    header, *rows = source.read_text().splitlines()[:5]
    changed = rows[-1].split(",", 1)
    rows[-1] = "117," + changed[1]  # an age no training row has
    lone = tmp_path / "elsewhere" / "few.csv"
    lone.parent.mkdir()
    lone.write_text("\n".join([header, *rows]) + "\n")

    results = evaluate(tmp_path / "out", "--csv", str(lone))

    assert results["n_cases"] == 4
    assert results["training"]["possibly_in_training"] == 3
    lines = [json.loads(x) for x in (tmp_path / "out" / "cases.jsonl").read_text().splitlines()]
    assert [x["in_training"] for x in lines] == [True, True, True, False]
    assert (
        "3 of 4 evaluated rows could have been in the members' training"
        in (tmp_path / "out" / "report.html").read_text()
    )


@pytest.mark.skipif(not MEDQA.is_dir(), reason=f"MedQA development vignettes absent ({MEDQA})")
def test_medqa_out_of_scope_vignettes_are_read_as_no_consensus_cases(offline, tmp_path):
    cases = evaluation.read_cases(MEDQA / "dev_out_of_scope.jsonl")
    assert len(cases) == 36 and all(c.pathology is None for c in cases)
    results = evaluate(tmp_path, "--cases", str(MEDQA / "dev_in_scope.jsonl"), "--limit", "3")
    assert results["scope"]["in_scope"]["cases"] == 3


def test_case_files_match_condition_names_in_any_case_and_ignore_other_fields(kb, tmp_path):
    path = write_cases(
        tmp_path / "c.jsonl",
        [
            {"id": 7, "text": "Cough.", "pathology": " pneumonia", "answer": "CAP"},
            {"id": "b", "text": "Not a case.", "pathology": None},
            {"id": "c", "text": "Rash."},
        ],
    )
    cases = evaluation.read_cases(path)
    assert [(c.id, c.pathology) for c in cases] == [("7", "Pneumonia"), ("b", None), ("c", None)]
