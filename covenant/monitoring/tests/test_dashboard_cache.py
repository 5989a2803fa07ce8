from django.test import override_settings

from covenant.monitoring import selectors, services
from covenant.monitoring.models import CompanyFigures, Cycle, Indicator, Part

LOCMEM = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "dashboards": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "test-dashboards",
    },
}


def test_the_fingerprint_changes_with_everything_the_dashboard_rests_on(demo):
    from covenant.covenants import services as covenant_services
    from covenant.covenants.models import Organisation

    def stamp() -> str:  # as a request sees it: the cycle loaded afresh
        return selectors.cycle_stamp(cycle=selectors.cycle_get(covenant=demo, number=5))

    cycle = Cycle.objects.get(covenant=demo, year__number=5)
    changes = [
        lambda: services.part_submit(
            part=Part.objects.filter(cycle=cycle, kind="policy", status="draft").first(),
            user=None,
        ),
        lambda: Indicator.objects.filter(covenant=demo).first().save(),
        lambda: covenant_services.organisation_update(
            organisation=Organisation.objects.get(name="Tata Steel"), name="Tata Steel Nederland"
        ),
        lambda: covenant_services.membership_create(
            covenant=demo,
            organisation=covenant_services.organisation_add(
                covenant=demo, name="Nieuw Metaal B.V.", kind="company", size_class="small"
            )[0],
            joined_in_year=1,
        ),
        lambda: CompanyFigures.objects.create(
            cycle=cycle, organisation=Organisation.objects.get(name="Nieuw Metaal B.V.")
        ),
    ]
    seen = {stamp()}
    for change in changes:
        change()
        seen.add(stamp())
    demo.disclosure_threshold += 1
    demo.save()
    seen.add(stamp())
    assert len(seen) == len(changes) + 2


def test_saving_a_cycle_loaded_earlier_keeps_the_raised_version(demo):
    cycle = Cycle.objects.get(covenant=demo, year__number=5)
    earlier = Cycle.objects.get(pk=cycle.pk)
    services.part_submit(
        part=Part.objects.filter(cycle=cycle, kind="policy", status="draft").first(), user=None
    )
    raised = Cycle.objects.get(pk=cycle.pk).data_version
    assert raised > earlier.data_version
    earlier.reminder_days = 7
    earlier.save()
    assert Cycle.objects.get(pk=cycle.pk).data_version == raised


def _queries(client, url) -> tuple[int, str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        html = client.get(url).content.decode()
    return len(ctx.captured_queries), html


@override_settings(CACHES=LOCMEM)
def test_a_cached_dashboard_still_shows_a_new_submission(client_for, demo):
    from django.core.cache import caches

    caches["dashboards"].clear()
    client = client_for("secretariat")
    url = "/covenants/metaalsector/monitoring/5/"
    cold, _html = _queries(client, url)
    warm, html = _queries(client, url)
    assert warm < cold  # served from the cache
    cycle = Cycle.objects.get(covenant=demo, year__number=5)
    part = Part.objects.get(cycle=cycle, kind="policy", organisation__name="Staalbouw Noord B.V.")
    assert f'href="/parts/{part.code}/"><span class="badge status-draft">' in html
    services.policy_save(part=part, user=None, published=True, url="https://example.org/p")
    services.part_submit(part=part, user=None)
    _n, html = _queries(client, url)
    assert f'href="/parts/{part.code}/"><span class="badge status-submitted">' in html


@override_settings(CACHES=LOCMEM)
def test_a_dashboard_cached_for_the_secretariat_is_never_served_to_others(client_for, demo):
    from django.core.cache import caches

    caches["dashboards"].clear()
    demo.disclosure_threshold = 13  # more than the year's 12 companies: all suppressed
    demo.save(update_fields=["disclosure_threshold"])
    url = "/covenants/metaalsector/monitoring/4/"
    secretariat_page = client_for("secretariat").get(url).content.decode()
    assert "11 of 12" in secretariat_page and "Staalbouw Noord B.V." in secretariat_page
    for role in ("stakeholder", "steering", "company"):
        _n, page = _queries(client_for(role), url)
        assert "11 of 12" not in page, role
        assert "not shown: fewer than 13 companies" in page, role
        assert "Staalbouw Noord B.V." not in page.split("<main", 1)[1], role
