from django.test import override_settings

from covenant.monitoring import selectors, services
from covenant.monitoring.models import Cycle, Part

LOCMEM = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "dashboards": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "test-dashboards",
    },
}


def test_the_fingerprint_changes_when_a_part_changes(demo):
    cycle = Cycle.objects.get(covenant=demo, year__number=5)
    before = selectors.cycle_stamp(cycle=cycle)
    part = Part.objects.filter(cycle=cycle, kind="policy", status="draft").first()
    services.part_submit(part=part, user=None)
    assert selectors.cycle_stamp(cycle=cycle) != before


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
