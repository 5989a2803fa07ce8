import copy
import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from covenant.covenants import services as covenant_services
from covenant.monitoring import services
from covenant.monitoring.models import Answer, Cycle, Part


def version_2() -> dict:
    """Version 2: question 1.1 reworded (maps to 1.1), 1.2 dropped, a new question 1.9."""
    spec = json.loads((services.DATA / "questionnaire_v1.json").read_text(encoding="utf-8"))
    spec = copy.deepcopy(spec)
    spec["version"] = 2
    questions = []
    for q in spec["questions"]:
        if q["key"] == "1.2":
            continue
        q = dict(q, maps_to=q["key"])
        if q["key"] == "1.1":
            q["text_en"] = "Reworded: " + q["text_en"]
        questions.append(q)
    new = dict(spec["questions"][0], key="1.9", text_en="A new question", text_nl="Nieuw")
    new.pop("maps_to", None)
    questions.append(new)
    spec["questions"] = questions
    return spec


def test_a_new_version_carries_answers_over_along_its_mapping(demo):
    questionnaire = services.questionnaire_install(spec=version_2())
    assert questionnaire.previous.version == 1
    old = Part.objects.get(
        cycle__year__number=5, organisation__name="Tata Steel", kind="self_assessment"
    )
    services.part_submit(part=old, user=None)  # last year's (carried-over) answers, confirmed
    year6 = covenant_services.covenant_year_add(covenant=demo)
    cycle = services.cycle_open(
        covenant=demo, year=year6, deadline=dt.date(2025, 9, 30), questionnaire=questionnaire
    )
    part = Part.objects.get(cycle=cycle, organisation__name="Tata Steel", kind="self_assessment")
    old = Part.objects.get(
        cycle__year__number=4, organisation__name="Tata Steel", kind="self_assessment"
    )
    keys = set(Answer.objects.filter(part=part).values_list("question__key", flat=True))
    assert "1.1" in keys and "1.2" not in keys and "1.9" not in keys
    assert len(keys) == old.answers.count() - 1
    assert part.carried_over and part.score is not None  # scored on the new version
    assert Cycle.objects.get(pk=cycle.pk).questionnaire.version == 2


def test_a_mapping_to_an_unknown_question_is_refused(demo):
    spec = version_2()
    spec["questions"][0]["maps_to"] = "9.9"
    with pytest.raises(ValidationError, match="maps to 9.9, which the previous version lacks"):
        services.questionnaire_install(spec=spec)


def test_the_command_installs_a_version_once(demo, tmp_path):
    path = tmp_path / "v2.json"
    path.write_text(json.dumps(version_2()), encoding="utf-8")
    from io import StringIO

    out = StringIO()
    call_command("load_questionnaire", str(path), stdout=out)
    assert "with 29 questions, 28 mapped to version 1" in out.getvalue()
    with pytest.raises(CommandError, match="exists already"):
        call_command("load_questionnaire", str(path))
