"""A file the services refuse (wrong type or too large) on the policy or self-assessment form:
the page comes back as the company filled it in, with the message on the file's field, and
nothing is saved."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile

from covenant.monitoring.models import Part, PartEvent
from covenant.monitoring.tests.test_views import part_of, policy_data, text, url

K = Part.Kind
EVIDENCE_TYPES = "Only these files can be uploaded: PDF, DOCX, XLSX, PPTX, PNG, JPG, JPEG."


def field_block(page: str, name: str) -> str:
    """The <div> of the self-assessment form holding the field `name` and its errors."""
    match = re.search(rf'<div><label for="id_{re.escape(name)}">(?:(?!</div>).)*</div>', page, re.S)
    assert match, name
    return match.group(0)


def test_wrong_evidence_keeps_the_typed_explanation_and_level_and_saves_nothing(client_for):
    client = client_for("company")
    assessment = part_of(5, K.SELF_ASSESSMENT)
    question = assessment.cycle.questionnaire.questions.order_by("step", "key")[0]
    answer = assessment.answers.get(question=question)
    level = 4 if answer.level != 4 else 2
    explanation = "Our supplier code is signed by 40 of our 52 suppliers (list attached)."
    version, saves = assessment.version, assessment.events.count()

    response = client.post(
        url(assessment),
        {
            "version": version,
            f"level_{question.key}": level,
            f"explanation_{question.key}": explanation,
            f"evidence_{question.key}": SimpleUploadedFile("codes.exe", b"MZ", "text/plain"),
            "save": "",
        },
    )
    page = text(response, 400)
    assert EVIDENCE_TYPES in field_block(page, f"evidence_{question.key}")
    assert explanation in field_block(page, f"explanation_{question.key}")
    assert re.search(rf'name="level_{re.escape(question.key)}" value="{level}"[^>]*checked', page)
    assert f'name="version" value="{version}"' in page

    answer.refresh_from_db()
    assessment.refresh_from_db()
    assert answer.explanation != explanation and answer.level != level and not answer.evidence
    assert assessment.version == version and assessment.events.count() == saves


def test_a_wrong_policy_document_keeps_the_form_and_saves_nothing(client_for):
    client = client_for("company")
    policy = part_of(5, K.POLICY)
    data = policy_data(policy, url="https://staalbouw-noord.example/beleid-2024")
    data["document"] = SimpleUploadedFile("beleid.exe", b"MZ", "application/octet-stream")
    before = dict(policy.data)

    response = client.post(url(policy), data)
    page = text(response, 400)
    assert "Only these files can be uploaded: PDF, DOCX." in page
    assert 'value="https://staalbouw-noord.example/beleid-2024"' in page
    assert re.search(r'value="suppliers"[^>]*checked', page)

    policy.refresh_from_db()
    assert policy.data == before and not policy.policy_document
    assert not policy.events.filter(action=PartEvent.Action.SAVED).exists()
