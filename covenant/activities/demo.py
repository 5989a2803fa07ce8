"""Year 4 (2022-2023) activities of the demo metals covenant, as the seed article tells them.

What the seed does not give (dates, counts, names of participants from outside, the visits'
details) is invented and marked illustrative.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from covenant.activities import services
from covenant.activities.models import Activity, ParticipantCount
from covenant.covenants.models import Covenant, Organisation

A = Activity.Kind
G = ParticipantCount.Group


def _org(name: str) -> Organisation:
    return Organisation.objects.get(name=name)


def _specs() -> list[dict]:
    return [
        {
            "kind": A.PROJECT,
            "title": "Gezondheid en veiligheid in mijnen in Bolivia en Peru",
            "description": (
                "CNV Internationaal, Tata Steel en Wuppermann Staal kregen via interviews met "
                "arbeiders en stakeholders meer inzicht in de gezondheids- en veiligheidsrisico's "
                "in mijnen in Bolivia en Peru."
            ),
            "organiser": "CNV Internationaal",
            "participants": ["Tata Steel", "Wuppermann Staal"],
            "themes": ["health_safety"],
            "countries": ["BO", "PE"],
            "chain_stages": ["mining"],
            "commodities": "tin, zinc, silver",
            "status": Activity.Status.RUNNING,
            "start_date": dt.date(2022, 9, 1),
            "goals": "Inzicht in de gezondheids- en veiligheidsrisico's rond de mijnbouw en "
            "verbetering van de werkomstandigheden in de regio.",
            "results": "Interviews met arbeiders en stakeholders gaven meer inzicht in de "
            "gezondheids- en veiligheidsrisico's in mijnen in Bolivia en Peru.",
            "lessons": "De lessen kunnen worden gebruikt bij de aanpak van risico's in andere "
            "landen of bij de winning van andere metalen.",
            "shared_inside": "De partijen van het convenant.",
            "shared_outside": "Partners buiten het convenant, om de werkomstandigheden rond de "
            "mijnbouw in de regio te verbeteren.",
            "is_public": True,
            "updates": [
                (dt.date(2023, 3, 15), "Interviews met arbeiders en stakeholders afgerond."),
                (
                    dt.date(2023, 6, 1),
                    "Uitkomsten gedeeld met partners binnen en buiten het convenant.",
                ),
            ],
        },
        {
            "kind": A.PROJECT,
            "title": "Kinderarbeid in de metaalrecyclingketen in India",
            "description": (
                "Global March Against Child Labour en Krommenhoek Metals brachten de risico's op "
                "kinderarbeid in de metaalrecyclingketen in India in kaart."
            ),
            "organiser": "Global March Against Child Labour",
            "participants": ["Krommenhoek Metals"],
            "themes": ["child_labour"],
            "countries": ["IN"],
            "chain_stages": ["recycling"],
            "commodities": "scrap metal",
            "status": Activity.Status.RUNNING,
            "start_date": dt.date(2022, 10, 1),
            "goals": "De risico's op kinderarbeid in de metaalrecyclingketen in India in kaart "
            "brengen.",
            "results": "Het onderzoek leidde tot concrete resultaten en belangrijke inzichten.",
            "lessons": "De samenwerking met lokale partners en productielocaties blijkt lastig.",
            "seeks_participants": True,
            "seeking_note": "Andere metaalrecyclingbedrijven, om via een gezamenlijk project de "
            "impact te vergroten en meer inzicht te krijgen in specifieke verwerkingslocaties.",
            "is_public": True,
            "updates": [
                (dt.date(2023, 5, 10), "Samenwerking gezocht met andere metaalrecyclingbedrijven."),
            ],
        },
        {
            "kind": A.ROUND_TABLE,
            "title": "Rondetafel circulaire economie en verantwoorde metaalrecycling",
            "description": "Met bedrijven, ngo's, ministeries, experts en de brancheorganisatie.",
            "summary": "Uitdagingen en kansen: transparantie in de keten, de stimulerende of "
            "vertragende werking van wet- en regelgeving, en kansen voor innovatie.",
            "themes": ["environment"],
            "chain_stages": ["recycling"],
            "format": Activity.Format.IN_PERSON,
            "start_date": dt.date(2023, 2, 14),
            "is_public": True,
            "counts": {
                G.COMPANIES: (7, 2),
                G.NGOS: (2, 1),
                G.GOVERNMENT: (2, 0),
                G.EXPERTS: (0, 3),
                G.BRANCH: (1, 0),
            },
        },
        {
            "kind": A.KNOWLEDGE_SESSION,
            "title": "Voorbereiding op de LME Responsible Sourcing Requirements",
            "format": Activity.Format.ONLINE,
            "start_date": dt.date(2022, 10, 12),
            "commodities": "aluminium, copper, nickel, zinc",
            "is_public": True,
            "counts": {G.COMPANIES: (9, 0), G.BRANCH: (1, 0)},
        },
        {
            "kind": A.KNOWLEDGE_SESSION,
            "title": "Kinderarbeid bij de productie van mica in India en Madagaskar",
            "format": Activity.Format.ONLINE,
            "start_date": dt.date(2022, 12, 7),
            "themes": ["child_labour"],
            "countries": ["IN", "MG"],
            "chain_stages": ["mining"],
            "commodities": "mica",
            "is_public": True,
            "counts": {G.COMPANIES: (8, 0), G.NGOS: (2, 0)},
        },
        {
            "kind": A.KNOWLEDGE_SESSION,
            "title": "Risico's in mangaanmijnen in Zuid-Afrika",
            "format": Activity.Format.ONLINE,
            "start_date": dt.date(2023, 3, 22),
            "themes": ["health_safety", "environment"],
            "countries": ["ZA"],
            "chain_stages": ["mining"],
            "commodities": "manganese",
            "is_public": True,
            "counts": {G.COMPANIES: (7, 0), G.NGOS: (1, 0), G.UNIONS: (1, 0)},
        },
        {
            "kind": A.KNOWLEDGE_SESSION,
            "title": "Toekomstige duurzaamheidswetgeving voor de metaalsector",
            "format": Activity.Format.HYBRID,
            "start_date": dt.date(2023, 5, 24),
            "is_public": True,
            "counts": {G.COMPANIES: (10, 0), G.GOVERNMENT: (1, 0), G.BRANCH: (1, 0)},
        },
        {
            "kind": A.TRAINING,
            "title": "Tweedaagse due diligence training (najaar 2022)",
            "description": "Praktische training voor bedrijven binnen en buiten het convenant.",
            "format": Activity.Format.IN_PERSON,
            "start_date": dt.date(2022, 11, 15),
            "end_date": dt.date(2022, 11, 16),
            "location": "Utrecht",
            "capacity": 20,
            "evaluation": "8.1",
            "is_public": True,
            "registrations": [
                ("Deelnemer A", "Staalbouw Noord B.V.", True, True),
                ("Deelnemer B", "Koperwerk Zeeland B.V.", True, True),
                ("Deelnemer C", "Metaalbewerking Buiten B.V.", False, True),
                ("Deelnemer D", "Gieterij Extern B.V.", False, False),
            ],
        },
        {
            "kind": A.TRAINING,
            "title": "Tweedaagse due diligence training (voorjaar 2023)",
            "description": "Praktische training voor bedrijven binnen en buiten het convenant.",
            "format": Activity.Format.IN_PERSON,
            "start_date": dt.date(2023, 4, 18),
            "end_date": dt.date(2023, 4, 19),
            "location": "Den Haag",
            "capacity": 20,
            "evaluation": "8.4",
            "is_public": True,
            "registrations": [
                ("Deelnemer E", "Precisie Metaal Brabant B.V.", True, True),
                ("Deelnemer F", "RVS Techniek Gelderland B.V.", True, True),
                ("Deelnemer G", "Draadwerk Extern B.V.", False, True),
            ],
        },
        {
            "kind": A.WORK_VISIT,
            "title": "Werkbezoek CNV Internationaal aan Tata Steel",
            "organiser": "CNV Internationaal",
            "visited": "Tata Steel",
            "start_date": dt.date(2022, 11, 3),
            "purpose": "Onderzoeken hoe de vakbond het bedrijf actiever kan ondersteunen bij "
            "due diligence.",
            "findings": "Illustratief: afspraken over het delen van kennis over mijnbouwrisico's.",
            "illustrative": True,
        },
        {
            "kind": A.WORK_VISIT,
            "title": "Werkbezoek Global March aan Krommenhoek Metals",
            "organiser": "Global March Against Child Labour",
            "visited": "Krommenhoek Metals",
            "start_date": dt.date(2023, 1, 19),
            "purpose": "Onderzoeken hoe de ngo het bedrijf actiever kan ondersteunen bij "
            "due diligence.",
            "findings": "Illustratief: inzicht in de herkomst van schroot.",
            "illustrative": True,
        },
        {
            "kind": A.WORK_VISIT,
            "title": "Werkbezoek CNV Internationaal aan Staalbouw Noord",
            "organiser": "CNV Internationaal",
            "visited": "Staalbouw Noord B.V.",
            "start_date": dt.date(2023, 4, 5),
            "purpose": "Onderzoeken hoe de vakbond het bedrijf actiever kan ondersteunen bij "
            "due diligence.",
            "findings": "Illustratief: behoefte aan hulp bij de risicoanalyse.",
            "illustrative": True,
        },
    ]


def load(covenant: Covenant, log: Callable[[str], None] = lambda _m: None) -> int:
    """Load the year-4 activities into the covenant; return how many were created."""
    from decimal import Decimal

    created = 0
    for spec in _specs():
        spec = dict(spec)
        if Activity.objects.filter(covenant=covenant, title=spec["title"]).exists():
            continue
        updates = spec.pop("updates", [])
        counts = spec.pop("counts", {})
        registrations = spec.pop("registrations", [])
        participants = [_org(n) for n in spec.pop("participants", [])]
        for field in ("organiser", "visited"):
            if field in spec:
                spec[field] = _org(spec[field])
        evaluation = spec.pop("evaluation", None)
        illustrative = spec.pop("illustrative", False)
        activity = services.activity_create(
            covenant=covenant,
            participants=participants,
            is_illustrative=illustrative,
            evaluation_score=Decimal(evaluation) if evaluation else None,
            registration_open=bool(registrations),
            **spec,
        )
        for date, text in updates:
            services.project_update_add(activity=activity, date=date, text=text, author=None)
        if counts:
            services.participant_counts_set(activity=activity, counts=counts, is_illustrative=True)
        for i, (name, org, inside, attended) in enumerate(registrations):
            registration = services.training_register(
                activity=activity,
                name=name,
                organisation_name=org,
                email=f"deelnemer{i}.{activity.start_date:%Y%m}@example.org",
                consent=True,
                from_inside=inside,
                is_illustrative=True,
                send_email=False,
            )
            services.registration_attendance_set(registration=registration, attended=attended)
        if registrations:  # registration closed after the training took place
            Activity.objects.filter(pk=activity.pk).update(registration_open=False)
        created += 1
    log(f"Activities of year 4: {created} created")
    return created
