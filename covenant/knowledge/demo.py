"""Demo knowledge: the risks the metals covenant itself documented in its year 4 (2022-2023),
as the seed news item on the annual report tells them, added through the curation services.

Each risk names that news item as its source, one source per activity. The news item names
the activities, their themes, countries and chain stages; it gives no severity, so the
severities here are the demo's own rating (marked illustrative in each description). The
descriptions are in Dutch, as the news item and a Dutch covenant's secretariat write them
(decision 0006: a fact keeps its source's words). The
knowledge base has no "scrap" commodity: the recycling risk is recorded for copper and
aluminium, the metals recycled most.
"""

from __future__ import annotations

from collections.abc import Callable

from covenant.knowledge import services
from covenant.knowledge.models import Commodity, DocumentedRisk
from covenant.lib.taxonomy import ChainStage, Theme

PUBLISHER = "IMVO-convenant Metaalsector"
YEAR = 2023
LICENCE = "covenant's own documentation"
TITLE = "Jaarrapportage 2022-2023 (nieuwsbericht): {} (illustratief, demo)"
RATED = " Ernst: de eigen inschatting van de demo (illustratief); het nieuwsbericht noemt er geen."

# (source title's subject, theme, commodity codes, countries, stage, severity, description)
RISKS: list[tuple[str, str, list[str], list[str], str, int, str]] = [
    (
        "collectief project gezondheid en veiligheid in mijnen in Bolivia en Peru",
        Theme.HEALTH_SAFETY, ["tin", "zinc", "silver"], ["BO", "PE"], ChainStage.MINING, 4,
        "Risico's voor gezondheid en veiligheid in mijnen in Bolivia en Peru (tin, zink, "
        "zilver): het collectieve project van CNV Internationaal, Tata Steel en Wuppermann "
        "Staal onderzocht ze met interviews met mijnwerkers en stakeholders (jaar 4, "
        "2022-2023).",
    ),
    (
        "project kinderarbeid in de metaalrecyclingketen in India",
        Theme.CHILD_LABOUR, ["copper", "aluminium"], ["IN"], ChainStage.RECYCLING, 3,
        "Kinderarbeid in de metaalrecyclingketen in India: in kaart gebracht door Global March "
        "Against Child Labour en Krommenhoek Metals in een project van het convenant (jaar 4, "
        "2022-2023). Het nieuwsbericht spreekt van schroot in het algemeen; koper en aluminium "
        "staan daar hier voor.",
    ),
    (
        "kennissessie risico's in mangaanmijnen in Zuid-Afrika",
        Theme.HEALTH_SAFETY, ["manganese"], ["ZA"], ChainStage.MINING, 3,
        "Risico's in mangaanmijnen in Zuid-Afrika, voor gezondheid en veiligheid onder meer: "
        "het onderwerp van een kennissessie van het convenant (jaar 4, 2022-2023).",
    ),
    (
        "kennissessie risico's in mangaanmijnen in Zuid-Afrika",
        Theme.ENVIRONMENT, ["manganese"], ["ZA"], ChainStage.MINING, 3,
        "Risico's in mangaanmijnen in Zuid-Afrika, voor het milieu onder meer: het onderwerp "
        "van een kennissessie van het convenant (jaar 4, 2022-2023).",
    ),
]  # fmt: skip


def load(log: Callable[[str], None] = lambda _m: None) -> int:
    """Add the covenant's own documented risks (once); return how many were added."""
    commodities = {c.code: c for c in Commodity.objects.all()}
    added = 0
    for subject, theme, codes, countries, stage, severity, description in RISKS:
        source = services.NewSource(
            publisher=PUBLISHER, title=TITLE.format(subject), year=YEAR, licence=LICENCE
        )
        for code in codes:
            commodity = commodities.get(code)
            if commodity is None:
                log(f"No commodity {code} in the knowledge base: its demo risks are skipped.")
                continue
            for country in countries:
                if DocumentedRisk.objects.filter(
                    source__publisher=PUBLISHER, source__title=source.title, theme=theme,
                    commodity=commodity, country=country, chain_stage=stage,
                ).exists():  # fmt: skip
                    continue
                services.documented_risk_create(
                    user=None,
                    new_source=source,
                    reason="Demo: a risk the covenant documented in its year 4.",
                    theme=theme,
                    commodity=commodity,
                    country=country,
                    chain_stage=stage,
                    severity=severity,
                    description=description + RATED,
                )
                added += 1
    if added:
        log(f"Demo knowledge: {added} risks the covenant documented itself.")
    return added
