from covenant.activities import selectors
from covenant.activities.models import Activity
from covenant.conftest import user_for


def titles(qs):
    return {a.title for a in qs}


def visits_seen_by(role, covenant):
    qs = selectors.activity_list(covenant=covenant, fetched_by=user_for(role) if role else None)
    return titles(qs.filter(kind=Activity.Kind.WORK_VISIT))


def test_the_demo_year_four_holds_the_seeds_activities(demo):
    year4 = demo.years.get(number=4)
    qs = selectors.activity_filter(
        Activity.objects.filter(covenant=demo), selectors.Filters(year=year4)
    )
    kinds = [a.kind for a in qs]
    assert kinds.count("project") == 2
    assert kinds.count("round_table") == 1
    assert kinds.count("session") == 4
    assert kinds.count("training") == 2
    assert kinds.count("work_visit") == 3
    projects = {a.title: a for a in qs.filter(kind="project")}
    mines = projects["Gezondheid en veiligheid in mijnen in Bolivia en Peru"]
    assert mines.organiser.name == "CNV Internationaal"
    assert sorted(p.name for p in mines.participants.all()) == ["Tata Steel", "Wuppermann Staal"]
    assert [c.code for c in mines.countries] == ["BO", "PE"]
    recycling = projects["Kinderarbeid in de metaalrecyclingketen in India"]
    assert recycling.seeks_participants
    assert [p.name for p in recycling.participants.all()] == ["Krommenhoek Metals"]
    sessions = titles(qs.filter(kind="session"))
    assert any("LME Responsible Sourcing" in t for t in sessions)
    assert any("mica" in t and "Madagaskar" in t for t in sessions)
    assert any("mangaan" in t for t in sessions)
    assert any("wetgeving" in t for t in sessions)


def test_work_visits_are_seen_only_by_the_two_organisations_and_the_secretariat(demo):
    all_visits = visits_seen_by("secretariat", demo)
    assert len(all_visits) == 3
    # The demo stakeholder (CNV Internationaal) made two of the visits.
    assert visits_seen_by("stakeholder", demo) == {
        "Werkbezoek CNV Internationaal aan Tata Steel",
        "Werkbezoek CNV Internationaal aan Staalbouw Noord",
    }
    # The demo company (Staalbouw Noord) was visited once.
    assert visits_seen_by("company", demo) == {"Werkbezoek CNV Internationaal aan Staalbouw Noord"}
    assert visits_seen_by("steering", demo) == set()
    assert visits_seen_by("outsider", demo) == set()
    assert visits_seen_by(None, demo) == set()


def test_companies_see_public_activities_and_those_they_take_part_in(demo):
    private = Activity.objects.create(
        covenant=demo, kind="session", title="Besloten sessie", start_date="2023-01-10"
    )
    assert private.title not in titles(
        selectors.activity_list(covenant=demo, fetched_by=user_for("company"))
    )
    assert private.title in titles(
        selectors.activity_list(covenant=demo, fetched_by=user_for("steering"))
    )
    from covenant.covenants.models import Organisation

    private.participants.add(Organisation.objects.get(name="Staalbouw Noord B.V."))
    assert private.title in titles(
        selectors.activity_list(covenant=demo, fetched_by=user_for("company"))
    )


def test_filters_by_theme_country_kind_and_party(demo):
    from covenant.covenants.models import Organisation

    qs = selectors.activity_list(covenant=demo, fetched_by=user_for("secretariat"))
    child = titles(selectors.activity_filter(qs, selectors.Filters(theme="child_labour")))
    assert child == {
        "Kinderarbeid in de metaalrecyclingketen in India",
        "Kinderarbeid bij de productie van mica in India en Madagaskar",
    }
    madagascar = titles(selectors.activity_filter(qs, selectors.Filters(country="MG")))
    assert madagascar == {"Kinderarbeid bij de productie van mica in India en Madagaskar"}
    tata = Organisation.objects.get(name="Tata Steel")
    with_tata = titles(selectors.activity_filter(qs, selectors.Filters(party=tata)))
    assert with_tata == {
        "Gezondheid en veiligheid in mijnen in Bolivia en Peru",
        "Werkbezoek CNV Internationaal aan Tata Steel",
    }
    trainings = selectors.activity_filter(qs, selectors.Filters(kind="training"))
    assert trainings.count() == 2


def test_work_visit_counts_per_year_are_for_everyone(demo):
    assert selectors.work_visit_counts(covenant=demo) == {4: 3}
