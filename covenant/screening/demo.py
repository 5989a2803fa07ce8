"""Demo screening: a completed run of Staalbouw Noord B.V. and of three seed companies (Tata
Steel, Wuppermann Staal, Krommenhoek Metals) on small generated purchase lists, so that the
sector map has cells shared by enough companies to be shown to stakeholders: tin and zinc
from Bolivia and Peru, mica from India and Madagascar, (ferro)manganese from South Africa and
copper scrap from India. The seed companies' purchase lists are invented: their file names say
"illustratief"."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from covenant.accounts.models import Role
from covenant.covenants.models import Covenant, Organisation
from covenant.screening import services
from covenant.screening.models import Run

COMPANY = "Staalbouw Noord B.V."
FILE_NAME = "inkoop-2024-staalbouw-noord.csv"
# (omschrijving, HS-code, leverancier, land leverancier, land van herkomst, hoeveelheid, bedrag)
LINES = [
    ("Tin staven 99,9%", "800110", "Metallo Trading", "BE", "Bolivia", "1200", "48.000,00"),
    ("Zink anodes", "", "Nyrstar Sales", "BE", "Bolivia", "3000", "21.500,00"),
    ("Zinkplaat 2mm", "790700", "Nyrstar Sales", "BE", "Peru", "800", "6.400,00"),
    ("Mica isolatieplaat", "", "Isola Europe", "DE", "", "400", "18.250,00"),
    ("Glimmer band voor kabels", "", "Isola Europe", "DE", "Madagascar", "150", "7.900,00"),
    ("Ferromangaan HC", "720211", "Eramet Trading", "FR", "Zuid-Afrika", "5000", "15.600,00"),
    ("Mangaan briketten", "", "Eramet Trading", "FR", "", "900", "4.100,00"),
    ("RVS plaat 316L 3mm", "", "Outokumpu", "FI", "", "2200", "39.800,00"),
    ("Koolstofstaal HEA 200", "", "ArcelorMittal", "LU", "", "18000", "61.000,00"),
    ("Koperdraad 2,5mm2", "", "Elektrodraad BV", "NL", "", "600", "9.300,00"),
    ("Messing fittingen", "", "Fitting Centrum", "NL", "", "1500", "3.450,00"),
    ("Bronzen lagerbussen", "", "Lagerhuis", "NL", "", "250", "2.100,00"),
    ("Kobalt legering boorkoppen", "", "Tooling NL", "NL", "", "40", "5.600,00"),
    ("Bouten M12 verzinkt", "", "Fabory", "NL", "", "20000", "2.800,00"),
    ("Verf RAL 7016", "", "Sikkens", "NL", "", "300", "4.750,00"),
    ("Transport Rotterdam", "", "Van den Bosch", "NL", "", "", "3.900,00"),
]
HEADER = ["Omschrijving", "HS-code", "Leverancier", "Land leverancier", "Land van herkomst",
          "Hoeveelheid", "Bedrag (EUR)"]  # fmt: skip


# The seed companies' lists: invented (illustrative), each a few lines of the key metals.
OTHER_LISTS: dict[str, tuple[str, list[tuple[str, ...]]]] = {
    "Tata Steel": (
        "inkoop-2024-tata-steel-illustratief.csv",
        [
            ("Ferromangaan HC", "720211", "Eramet", "FR", "Zuid-Afrika", "9000", "28.100,00"),
            ("Ferromangaan MC", "720219", "Transalloys", "ZA", "Zuid-Afrika", "2500", "9.800,00"),
            ("Zink voor verzinkerij", "790111", "Nyrstar Sales", "BE", "Peru", "6000", "19.200,00"),
            ("Tin voor blik", "800110", "Metallo Trading", "BE", "Bolivia", "700", "27.300,00"),
            ("Mica isolatie ovens", "", "Isola Europe", "DE", "India", "120", "4.300,00"),
            ("Glimmer pakking", "", "Isola Europe", "DE", "Madagascar", "60", "1.900,00"),
            ("Koperschroot", "740400", "Recycling Trading", "NL", "India", "300", "2.100,00"),
            ("IJzererts pellets", "", "LKAB", "SE", "", "50000", "98.000,00"),
        ],
    ),
    "Wuppermann Staal": (
        "inkoop-2024-wuppermann-staal-illustratief.csv",
        [
            ("Zink blokken", "790111", "Nyrstar Sales", "BE", "Peru", "4000", "12.800,00"),
            ("Zink anodes", "", "Nyrstar Sales", "BE", "Bolivia", "900", "3.100,00"),
            ("Tin staven", "800110", "Metallo Trading", "BE", "Bolivia", "150", "5.900,00"),
            ("Tin anodes", "", "Metallo Trading", "BE", "Peru", "80", "3.000,00"),
            ("Ferromangaan", "720211", "Eramet Trading", "FR", "Zuid-Afrika", "1500", "4.700,00"),
            ("Mica band", "", "Isola Europe", "DE", "India", "80", "2.600,00"),
            ("Glimmer isolatie", "", "Isola Europe", "DE", "Madagascar", "40", "1.300,00"),
            ("Koperschroot", "740400", "Recycling Trading", "NL", "India", "150", "1.050,00"),
            ("Koolstofstaal coils", "", "ArcelorMittal", "LU", "", "20000", "55.000,00"),
        ],
    ),
    "Krommenhoek Metals": (
        "inkoop-2024-krommenhoek-metals-illustratief.csv",
        [
            ("Koperschroot", "740400", "Recycling Trading", "NL", "India", "2000", "14.000,00"),
            ("Aluminiumschroot", "760200", "Recycling Trading", "NL", "India", "1500", "2.700,00"),
            ("Zinkschroot", "790200", "Nyrstar Sales", "BE", "Peru", "500", "1.100,00"),
            ("Tin soldeer", "800110", "Metallo Trading", "BE", "Bolivia", "50", "1.950,00"),
            ("Ferromangaan", "720211", "Eramet Trading", "FR", "Zuid-Afrika", "200", "640,00"),
            ("Mica platen", "", "Isola Europe", "DE", "India", "30", "900,00"),
            ("Glimmer platen", "", "Isola Europe", "DE", "Madagascar", "20", "600,00"),
        ],
    ),
}  # fmt: skip


def purchase_csv(lines: list[tuple[str, ...]] = LINES) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(lines)
    return out.getvalue().encode("utf-8")


def _screen(covenant: Covenant, company: Organisation, user, name: str, data: bytes) -> Run:
    if user is not None:
        upload = services.upload_create(
            covenant=covenant, organisation=company, user=user, name=name, data=data
        )
    else:  # a seed company without a demo user: the loader stores its list itself
        upload = services.upload_store(
            covenant=covenant, organisation=company, user=None, name=name, data=data
        )
    run = Run.objects.create(
        upload=upload,
        covenant=covenant,
        organisation=company,
        created_by=user,
        lines=upload.lines,
        read_with=upload.mappings,
    )
    return services.run_execute(run)


def load(covenant: Covenant, log: Callable[[str], None] = lambda _m: None) -> int:
    """Give the demo companies one completed run each (once); return how many runs were made."""
    made = 0
    company = Organisation.objects.filter(name=COMPANY).first()
    role = (
        Role.objects.filter(covenant=covenant, organisation=company, kind=Role.Kind.COMPANY_MEMBER)
        .select_related("user")
        .first()
    )
    if company is None or role is None:
        log("No demo company member: no demo screening.")
        return 0
    lists = [(company, role.user, FILE_NAME, LINES)]
    for name, (file_name, lines) in OTHER_LISTS.items():
        other = Organisation.objects.filter(name=name, memberships__covenant=covenant).first()
        if other is not None:
            lists.append((other, None, file_name, lines))
    for organisation, user, file_name, lines in lists:
        if Run.objects.filter(covenant=covenant, organisation=organisation).exists():
            continue
        run = _screen(covenant, organisation, user, file_name, purchase_csv(lines))
        log(f"Demo screening of {organisation}: {run.finding_count} findings ({run.status}).")
        made += 1
    return made
