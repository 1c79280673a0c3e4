"""Numeric query parameters are bounded: a page past the end is an empty page, an absurd
sequence number a 422, never a 500."""

from __future__ import annotations

import pytest

from cases import tokens
from tests.cases.scenarios import consensus_panel, run_case

HUGE = 9223372036854775807


@pytest.fixture
def headers(clinician) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.create(clinician, name='t')[1]}"}


@pytest.mark.django_db
@pytest.mark.parametrize("page", [HUGE, HUGE * 10, 2])
def test_a_page_past_the_end_is_an_empty_page(client, headers, page):
    response = client.get(f"/api/cases?page={page}", headers=headers)
    assert response.status_code == 200
    assert response.json()["items"] == []


@pytest.mark.django_db
def test_an_escalation_page_past_the_end_is_an_empty_page(client, reviewer):
    token = tokens.create(reviewer, name="t")[1]
    response = client.get(
        f"/api/escalations/?page={HUGE}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200 and response.json()["items"] == []


@pytest.mark.django_db
def test_an_absurd_resume_point_is_refused_with_a_clear_message(client, clinician, headers):
    deliberation_id = run_case(clinician, consensus_panel("main", is_default=True)).pk
    ok = client.get(f"/api/deliberations/{deliberation_id}?after=3", headers=headers)
    assert ok.status_code == 200
    response = client.get(f"/api/deliberations/{deliberation_id}?after={HUGE}", headers=headers)
    assert response.status_code == 422
    assert "after" in response.json()["detail"]


# --- control characters: one rule for the form, the API and the command ------------------------

BELL_TEXT = "67-year-old with fever\x07 and productive cough."


@pytest.mark.django_db
@pytest.mark.parametrize("text", [BELL_TEXT, "Fever\x00 and cough.", "Cough\u2028at night."])
def test_the_api_refuses_control_characters_and_stores_nothing(client, headers, text):
    import json

    from cases.models import Case

    consensus_panel("main", is_default=True)
    response = client.post(
        "/api/cases", json.dumps({"text": text}), content_type="application/json", headers=headers
    )
    assert response.status_code == 422
    assert "control character" in response.json()["detail"]
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_form_api_and_command_give_the_same_message(client, clinician, headers):
    import json

    from django.core.management import CommandError, call_command

    from cases import input_rules

    expected = input_rules.control_character(BELL_TEXT)
    assert expected is not None and "U+0007" in expected
    consensus_panel("main", is_default=True)
    api = client.post(
        "/api/cases",
        json.dumps({"text": BELL_TEXT}),
        content_type="application/json",
        headers=headers,
    )
    assert expected in api.json()["detail"]
    client.force_login(clinician)
    form = client.post("/cases/new/", {"text": BELL_TEXT, "panel": "main"})
    assert expected in form.content.decode().replace("&#x27;", "'")
    with pytest.raises(CommandError) as exc:
        call_command("deliberate", "--panel", "main", "--text", BELL_TEXT)
    assert expected in str(exc.value)


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["Fever\x00 and cough.", "Cough at night.\x00", "\x00Fever."])
def test_a_nul_gets_the_product_s_message_on_every_path(client, clinician, headers, text):
    """Django's CharField refuses NUL with its own words before the form's clean_text: the
    form must give the same message as the API and the command."""
    import json

    from django.core.management import CommandError, call_command

    from cases import input_rules
    from cases.models import Case

    expected = input_rules.control_character(text.strip())
    assert expected is not None and "U+0000" in expected
    consensus_panel("main", is_default=True)
    api = client.post(
        "/api/cases", json.dumps({"text": text}), content_type="application/json", headers=headers
    )
    assert api.status_code == 422 and expected in api.json()["detail"]
    client.force_login(clinician)
    form = client.post("/cases/new/", {"text": text, "panel": "main"})
    page = form.content.decode().replace("&#x27;", "'")
    assert expected in page
    assert "Null characters are not allowed" not in page
    with pytest.raises(CommandError) as exc:
        call_command("deliberate", "--panel", "main", "--text", text)
    assert str(exc.value) == expected
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_a_panel_name_with_a_nul_gets_the_same_rule_on_every_path(client, clinician, headers):
    """Without the rule, PostgreSQL cannot even look the name up (the API answered 503)."""
    import json

    from django.core.management import CommandError, call_command

    from cases import input_rules

    consensus_panel("main", is_default=True)
    name = "ma\x00in"
    expected = input_rules.control_character(name, subject="The panel name")
    assert expected is not None and expected.startswith("The panel name contains")
    body = json.dumps({"text": "Fever and cough.", "panel": name})
    api = client.post("/api/cases", body, content_type="application/json", headers=headers)
    assert (api.status_code, api.json()["detail"]) == (422, f"panel: {expected}")
    client.force_login(clinician)
    form = client.post("/cases/new/", {"text": "Fever and cough.", "panel": name})
    assert expected in form.content.decode().replace("&#x27;", "'")
    with pytest.raises(CommandError) as exc:
        call_command("deliberate", "--panel", name, "--text", "Fever and cough.")
    assert str(exc.value) == expected
