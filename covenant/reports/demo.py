"""The demo covenant's annual reports: year 4 (2022-2023) published, reproducing the seed;
year 5 (2023-2024) a draft awaiting the steering group's approval."""

from __future__ import annotations

from collections.abc import Callable

from covenant.accounts.models import User
from covenant.covenants.models import Covenant
from covenant.reports import services
from covenant.reports.models import Report

TEXTS = {
    4: {
        "introduction": (
            "De partijen van het IMVO-convenant voor de Metaalsector kijken terug op een "
            "productief vierde jaar. Het vertrouwen tussen de partijen werd versterkt. Dit "
            "resulteerde in actieve nieuwe samenwerkingen op thema's zoals gezondheid en "
            "veiligheid in mijnen en de risico's op kinderarbeid bij recycling van metalen. "
            "Daarnaast nam dankzij trainingen de kennis over IMVO bij bedrijven toe.",
            "The parties to the Metals Sector RBC Agreement look back on a productive fourth "
            "year. Trust between the parties grew. This led to active new collaborations on "
            "themes such as health and safety in mines and the risks of child labour in metal "
            "recycling. Thanks to trainings, companies' knowledge of responsible business "
            "conduct increased.",
        ),
        "collaboration": (
            "Bedrijven, brancheorganisaties, de overheid, vakbonden en ngo's werkten dit jaar "
            "intensief samen. Dankzij **werkbezoeken** en kennisuitwisseling ontstond meer "
            "wederzijds begrip: partijen weten elkaar nu goed te vinden.",
            "Companies, branch organisations, the government, trade unions and NGOs worked "
            "closely together this year. Thanks to **work visits** and knowledge exchange, "
            "mutual understanding grew: the parties now find each other easily.",
        ),
        "knowledge": (
            "Ook in Nederland vond kennisuitwisseling plaats, met een rondetafelgesprek over "
            "circulaire economie en verantwoorde metaalrecycling en kennissessies over:\n\n"
            "- de LME Responsible Sourcing Requirements;\n"
            "- kinderarbeid bij de productie van mica in India en Madagaskar;\n"
            "- risico's in mangaanmijnen in Zuid-Afrika;\n"
            "- toekomstige duurzaamheidswetgeving voor de metaalsector.\n\n"
            "Praktische tweedaagse due diligence trainingen vergrootten de kennis onder "
            "bedrijven binnen en buiten het convenant.",
            "Knowledge was also exchanged in the Netherlands, with a round table on the "
            "circular economy and responsible metal recycling and knowledge sessions on:\n\n"
            "- the LME Responsible Sourcing Requirements;\n"
            "- child labour in mica production in India and Madagascar;\n"
            "- risks in manganese mines in South Africa;\n"
            "- upcoming sustainability legislation for the metal sector.\n\n"
            "Practical two-day due diligence trainings increased the knowledge of companies "
            "inside and outside the covenant.",
        ),
        "monitoring": (
            "De jaarlijkse monitoring laat zien dat bedrijven voortgang boeken bij de "
            "toepassing van due diligence.",
            "The annual monitoring shows that companies are making progress in applying due "
            "diligence.",
        ),
        "outlook": (
            "In het vijfde en laatste jaar van het convenant worden de collectieve projecten "
            "verder doorontwikkeld. Ook wordt actief samenwerking gezocht met bedrijven en "
            "stakeholders buiten het convenant. De aangesloten bedrijven worden geholpen hun "
            "due diligence verder te verbeteren, en de partijen voeren gesprekken over de "
            "voortzetting van sectorale samenwerking na afloop van het convenant, dat voor vijf "
            "jaar werd afgesloten.",
            "In the fifth and last year of the covenant the collective projects are developed "
            "further. Cooperation with companies and stakeholders outside the covenant is "
            "actively sought. Member companies are helped to improve their due diligence, and "
            "the parties are discussing continued sector cooperation after the covenant, which "
            "was agreed for five years, ends.",
        ),
    },
    5: {
        "introduction": (
            "Het vijfde en laatste jaar van het convenant (illustratieve concepttekst).",
            "The fifth and last year of the covenant (illustrative draft text).",
        ),
        "outlook": (
            "De partijen bespreken de voortzetting van de sectorale samenwerking "
            "(illustratieve concepttekst).",
            "The parties discuss continuing sector cooperation (illustrative draft text).",
        ),
    },
}


def _write(report: Report, texts: dict) -> None:
    for section in report.sections.all():
        nl, en = texts.get(section.key, ("", ""))
        services.section_update(
            section=section,
            expected_version=section.version,
            title_nl=section.title_nl,
            title_en=section.title_en,
            body_nl=nl,
            body_en=en,
        )


def load(covenant: Covenant, log: Callable[[str], None] = lambda _m: None) -> int:
    created = 0
    steering = User.objects.filter(email="stuurgroep@example.org").first()
    for number in (4, 5):
        year = covenant.years.get(number=number)
        if Report.objects.filter(covenant=covenant, year=year).exists():
            continue
        report = services.report_create(covenant=covenant, year=year)
        _write(report, TEXTS[number])
        services.report_request_approval(report=report)
        if number == 4 and steering is not None:
            services.report_approve(report=report, user=steering)
            services.report_publish(report=report)  # the PDF is built by the task worker
        created += 1
    log(f"Annual reports: {created} created")
    return created
