"""The whole demo data set, loaded app by app in dependency order (see `load_demo`)."""

from collections.abc import Callable

from covenant.activities import demo as activities_demo
from covenant.covenants import demo as covenants_demo
from covenant.covenants.models import Covenant
from covenant.knowledge import demo as knowledge_demo
from covenant.knowledge import reference_data
from covenant.monitoring import demo as monitoring_demo
from covenant.reports import demo as reports_demo
from covenant.screening import demo as screening_demo


def load_all(log: Callable[[str], None] = lambda _m: None) -> dict[str, int]:
    """Load every app's demo data; return what was created, by kind."""
    summary = covenants_demo.load(log=log)
    metals = Covenant.objects.get(slug=covenants_demo.METALS_SLUG)
    summary["activities"] = activities_demo.load(metals, log=log)
    summary["cycles"] = monitoring_demo.load(metals, log=log)
    folder = reference_data.data_dir()
    if folder.is_dir():
        summary["reference_facts"] = reference_data.load(folder, log=log).loaded
        summary["covenant_risks"] = knowledge_demo.load(log=log)
    else:
        log(f"No reference data at {folder}: the knowledge base stays empty.")
    summary["screening_runs"] = screening_demo.load(metals, log=log)
    # Last: the reports freeze what the data above shows (the sector map included).
    summary["reports"] = reports_demo.load(metals, log=log)
    return summary
