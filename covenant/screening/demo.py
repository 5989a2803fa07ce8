"""Demo screening: one completed run of Staalbouw Noord B.V. on a small generated purchase
list whose top findings come from the knowledge base (child labour in Bolivian tin and zinc
mining, in mica from India and Madagascar; manganese and alloys spread over producers)."""

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


def purchase_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(LINES)
    return out.getvalue().encode("utf-8")


def load(covenant: Covenant, log: Callable[[str], None] = lambda _m: None) -> int:
    """Give the demo company one completed run (once); return how many runs were made."""
    company = Organisation.objects.filter(name=COMPANY).first()
    role = (
        Role.objects.filter(covenant=covenant, organisation=company, kind=Role.Kind.COMPANY_MEMBER)
        .select_related("user")
        .first()
    )
    if company is None or role is None:
        log("No demo company member: no demo screening.")
        return 0
    if Run.objects.filter(covenant=covenant, organisation=company).exists():
        return 0
    upload = services.upload_create(
        covenant=covenant, organisation=company, user=role.user, name=FILE_NAME, data=purchase_csv()
    )
    run = Run.objects.create(
        upload=upload,
        covenant=covenant,
        organisation=company,
        created_by=role.user,
        lines=upload.lines,
    )
    run = services.run_execute(run)
    log(f"Demo screening of {COMPANY}: {run.finding_count} findings ({run.status}).")
    return 1
