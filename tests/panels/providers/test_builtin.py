from __future__ import annotations

import time

import pytest
from django.conf import settings

from cases import protocol
from panels.offline import knowledge
from panels.providers import base, builtin

CHANCE = 1 / 49


def spec(alias: str = "offline-1", **options) -> base.MemberSpec:
    options.setdefault("stream_delay_ms", 0)
    options.setdefault("data_dir", str(settings.DDXPLUS_DIR))
    return base.MemberSpec(alias=alias, provider="builtin", options=options)


def request(case_text: str, ballot: tuple[base.BallotEntry, ...] = ()) -> base.CallRequest:
    phase: base.Phase = "vote" if ballot else "propose"
    return base.CallRequest(
        phase=phase,
        system="",
        messages=(base.Message("user", case_text),),
        case_text=case_text,
        ballot=ballot,
    )


async def answer(provider: base.Provider, call: base.CallRequest) -> tuple[str, list[str]]:
    deltas: list[str] = []

    async def sink(delta: str) -> None:
        deltas.append(delta)

    completion = await provider.complete(call, on_delta=sink)
    return completion.text, deltas


def top(provider: builtin.BuiltinProvider, text: str) -> str:
    return provider.assess(text)[2].conditions[0].name


def test_is_registered_as_builtin(kb):
    assert isinstance(base.build(spec()), builtin.BuiltinProvider)
    assert "builtin" in base.provider_names()


def test_every_condition_code_is_valid_icd10_cm(kb):
    for condition in kb.conditions.values():
        code = builtin.icd10_code(condition)
        assert code is not None and protocol.normalize_icd10(code) == code, condition.name
    assert builtin.icd10_code(kb.conditions["SLE"]) == "M32.9"  # the KB's M34 is wrong


async def test_proposes_json_the_protocol_accepts(kb):
    provider = base.build(spec())
    row = next(r for r in kb.rows if r.pathology == "Myasthenia gravis")
    text, deltas = await answer(provider, request(knowledge.render_patient(row)))
    proposal = protocol.parse_proposal(text)
    assert proposal.diagnosis == "Myasthenia gravis"
    assert proposal.icd10 == "G70.0"
    assert proposal.confidence is not None and 50 <= proposal.confidence <= 99
    assert "double vision" in proposal.reasoning
    assert 3 <= len(proposal.differential) <= 4
    assert "".join(deltas) == text and len(deltas) > 1


async def test_votes_for_the_proposal_its_model_favours(kb):
    provider = base.build(spec())
    row = next(r for r in kb.rows if r.pathology == "Pulmonary embolism")
    ballot = (
        base.BallotEntry("A", "Panic attack", "F41.0", 90, "anxious"),
        base.BallotEntry("B", "Something unknown", None, 99, "guess"),
        base.BallotEntry("C", "Pulmonary embolism", "I26.99", 60, "dyspnoea, pleuritic pain"),
    )
    text, _ = await answer(provider, request(knowledge.render_patient(row), ballot))
    vote = protocol.parse_vote(text, letters=["A", "B", "C"])
    assert vote.letter == "C"
    assert "Pulmonary embolism" in vote.reasoning


def test_matches_ballot_entries_by_name_then_code(kb):
    conditions = tuple(kb.conditions.values())
    by_code = base.BallotEntry("A", "Pneumonia due to bacteria", "J18.9", 70, "")
    by_name = base.BallotEntry("B", "Guillain-Barre syndrome", None, 70, "")
    assert builtin.match(by_code, conditions) is kb.conditions["Pneumonia"]
    assert builtin.match(by_name, conditions) is kb.conditions["Guillain-Barré syndrome"]
    assert builtin.match(base.BallotEntry("C", "Gout", "M10.9", 70, ""), conditions) is None


async def test_without_findings_answers_honestly_with_low_confidence(kb):
    text, _ = await answer(base.build(spec()), request("The weather is nice today."))
    proposal = protocol.parse_proposal(text)
    assert "No findings were recognised" in proposal.reasoning
    assert proposal.confidence is not None and proposal.confidence < 20


async def test_same_seed_answers_identically_and_other_seeds_disagree_somewhere(kb):
    notes = [knowledge.render_patient(row).split(". Pain")[0] for row in kb.rows[:150]]
    twin_a = builtin.BuiltinProvider(spec("a", seed=7), settings.DDXPLUS_DIR)
    twin_b = builtin.BuiltinProvider(spec("b", seed=7), settings.DDXPLUS_DIR)
    assert [top(twin_a, n) for n in notes[:40]] == [top(twin_b, n) for n in notes[:40]]
    assert (await answer(twin_a, request(notes[0])))[0] == (
        await answer(twin_b, request(notes[0]))
    )[0]
    panel = [builtin.BuiltinProvider(spec(f"m{i}"), settings.DDXPLUS_DIR) for i in range(5)]
    split = sum(len({top(member, note) for member in panel}) > 1 for note in notes)
    assert 0 < split < len(notes) / 2


def test_holdout_rows_are_left_out_of_training(kb):
    held = frozenset(range(0, len(kb.rows), 2))
    model = builtin.train(kb, seed=3, exclude=held)
    assert model.rows_used == len(kb.rows) - len(held)
    provider = builtin.BuiltinProvider(spec(seed=3, holdout=sorted(held)), settings.DDXPLUS_DIR)
    assert provider.model()[1] is model


def test_single_member_top1_accuracy_is_far_above_chance(kb):
    provider = builtin.BuiltinProvider(spec(seed=11), settings.DDXPLUS_DIR)
    started = time.perf_counter()
    provider.model()
    train_s = time.perf_counter() - started
    rows = kb.rows[:200]
    started = time.perf_counter()
    hits = sum(top(provider, knowledge.render_patient(r)) == r.pathology for r in rows)
    per_case_ms = (time.perf_counter() - started) / len(rows) * 1000
    accuracy = hits / len(rows)
    print(  # noqa: T201 - the figure this test exists to report
        f"\nbuiltin seed 11: top-1 {accuracy:.3f} on {len(rows)} dev rows (in-sample, "
        f"chance {CHANCE:.3f}); training {train_s * 1000:.0f} ms; {per_case_ms:.1f} ms/case"
    )
    assert accuracy >= 0.85  # measured 0.995 on these rows (in-sample bootstrap)


def test_out_of_sample_accuracy_holds_up(kb):
    evaluated = range(500)
    provider = builtin.BuiltinProvider(spec(seed=11, holdout=list(evaluated)), settings.DDXPLUS_DIR)
    rows = [kb.rows[i] for i in evaluated]
    hits = sum(top(provider, knowledge.render_patient(r)) == r.pathology for r in rows)
    print(f"\nbuiltin seed 11: out-of-sample top-1 {hits / len(rows):.3f}")  # noqa: T201
    assert hits / len(rows) >= 0.85  # measured 0.99 with these rows held out


async def test_a_missing_data_folder_is_a_permanent_provider_error(tmp_path):
    provider = base.build(spec(data_dir=str(tmp_path / "gone")))
    with pytest.raises(base.ProviderError) as caught:
        await answer(provider, request("fever and cough"))
    assert caught.value.retryable is False
    assert "DDXPLUS_DIR" in str(caught.value) and str(tmp_path / "gone") in str(caught.value)
