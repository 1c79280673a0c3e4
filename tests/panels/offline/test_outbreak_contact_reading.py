"""Reading of contact with a viral haemorrhagic fever (panels/offline/signs.py, E_73): working
in a treatment centre or a clinic during an outbreak. Hand-written sentences, none taken from
the development or held-out sets."""

from __future__ import annotations

import pytest

from panels.offline import extraction

CONTACT = "E_73"


def reading(text: str, kb) -> tuple[set[str], set[str]]:
    r = extraction.read(text, kb=kb)
    return set(r.tokens), {f.token for f in r.absent}


@pytest.mark.parametrize(
    "text",
    [
        "Back from two months at a treatment centre in Sierra Leone during the outbreak.",
        "He volunteered in the isolation unit while the Ebola epidemic was at its height.",
        "During the outbreak she worked in a district hospital in Liberia.",
        "In the Ebola epidemic he ran the stores of a holding unit in Guinea.",
        "In the outbreak the aid worker was nursing in a field hospital.",
    ],
)
def test_work_in_a_treatment_centre_or_clinic_in_an_outbreak_is_contact(kb, text):
    assert CONTACT in reading(text, kb)[0], text


@pytest.mark.parametrize(
    "text",
    [
        "There was a norovirus outbreak on the cruise; seen in clinic today.",
        "Norovirus outbreak on the ward where she works as a nurse in the hospital.",
        "During the COVID outbreak he worked in an isolation ward.",
        "An outbreak of measles at the school; her mother nursing in the local hospital.",
        "Works in a hospital pharmacy. No travel.",
        "Treatment centre for addiction, discharged last week.",
    ],
)
def test_an_outbreak_or_a_clinic_alone_is_no_contact(kb, text):
    assert CONTACT not in reading(text, kb)[0], text


def test_denied_work_in_a_treatment_centre_is_denied(kb):
    tokens, denied = reading("No contact with Ebola treatment centres.", kb)
    assert CONTACT not in tokens and CONTACT in denied
