"""Demo cards on the demo working groups' boards: needs, offers and pledges as the member
organisations might write them, put on the boards through `cards.add_card` by a demo person
of each organisation (every rule applies, the history too).

Idempotent like the rest of the demo: a card is added only when its board has no card of
that title yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import cards, persons, pledges
from server.domain.actors import Actor
from server.models import Card, Person, PledgeRedemption, WorkingGroup

KATRIN = "k.hoffmann@leipzig.example"  # Stadt Leipzig – Sozialamt
ANNA = "anna.becker@unterkunft-ukraine.example"  # Unterkunft Ukraine e. V.
JONAS = "jonas.weber@staedteverbund.example"  # Deutscher Städte- und Gemeindeverbund
LEYLA = "leyla@willkommensnetz.example"  # Willkommensnetz Leipzig-Ost
PETRA = "petra.neumann@engagement-stiftung.example"  # Stiftung für Engagement und Ehrenamt
MICHAEL = "m.schulz@elbe-logistik.example"  # Elbe Logistik GmbH
TOBIAS = "tobias.richter@fh-dresden.example"  # Flüchtlingshilfe Dresden e. V.
SABINE = "s.wolf@fh-dresden.example"  # Flüchtlingshilfe Dresden e. V.
OLENA = "olena@sprachbruecke.example"  # Sprachbrücke gGmbH


@dataclass(frozen=True)
class DemoCard:
    group: str  # slug
    author: str  # e-mail of a demo person whose organisation is in the group
    fields: dict[str, str] = field(default_factory=dict)  # the card form's fields
    deadline_in_days: int | None = None


def _need(group: str, author: str, deadline_in_days: int | None = None, **fields: str) -> DemoCard:
    return DemoCard(group, author, {"kind": "need", **fields}, deadline_in_days)


def _offer(group: str, author: str, **fields: str) -> DemoCard:
    return DemoCard(group, author, {"kind": "offer", **fields})


def _pledge(group: str, author: str, deadline_in_days: int, **fields: str) -> DemoCard:
    return DemoCard(group, author, {"kind": "pledge", **fields}, deadline_in_days)


DEMO_CARDS = [
    _need(
        "ag-unterkunft",
        KATRIN,
        resource_kind="space",
        title="Wohnraum für Familien aus der Ukraine gesucht",
        description="Drei Familien mit Kindern leben seit Wochen in der Gemeinschaftsunterkunft. "
        "Gesucht sind Wohnungen mit zwei bis drei Zimmern, gern auch befristet.",
        quantity="3 Wohnungen",
        region="Leipzig",
        urgency="high",
    ),
    _offer(
        "ag-unterkunft",
        ANNA,
        resource_kind="space",
        title="Private Zimmer bei geprüften Gastgebern",
        description="Unser Netzwerk vermittelt private Zimmer für bis zu sechs Monate und "
        "begleitet Gastgeber und Gäste beim Einzug.",
        quantity="etwa 40 Zimmer",
        region="Bundesweit",
    ),
    _need(
        "ag-unterkunft",
        KATRIN,
        resource_kind="knowledge",
        title="Rechtsberatung zu Mietverträgen und Kautionen",
        description="Geflüchtete unterschreiben Mietverträge, die sie nicht verstehen. Wer bietet "
        "eine Sprechstunde zum Mietrecht an, am liebsten mit Dolmetscher?",
        region="Leipzig",
    ),
    _pledge(
        "ag-unterkunft",
        ANNA,
        45,
        resource_kind="money",
        title="Wir übernehmen Mietkautionen",
        promise="Wir übernehmen die Mietkaution für fünf Familien",
        condition="wenn jemand die Wohnungsbesichtigungen begleitet und übersetzt",
        helpers_needed="2",
        region="Leipzig",
    ),
    _need(
        "ag-unterkunft",
        KATRIN,
        resource_kind="goods",
        title="Betten und Matratzen für die Erstausstattung",
        description="Für neu bezogene Wohnungen fehlen Betten, Matratzen und Bettwäsche.",
        quantity="12 Betten",
        region="Leipzig",
        urgency="critical",
    ),
    _need(
        "kommunaler-fachaustausch",
        KATRIN,
        resource_kind="knowledge",
        title="Erfahrungen mit dezentraler Unterbringung",
        description="Welche Kommune verteilt Geflüchtete gut auf Wohnungen? Wir suchen "
        "Praxisberichte für einen Impulsvortrag im Fachaustausch.",
        region="Leipzig",
        urgency="low",
    ),
    _offer(
        "kommunaler-fachaustausch",
        JONAS,
        resource_kind="contacts",
        title="Kontakte zu Ausländerbehörden in allen Bundesländern",
        description="Wir stellen den Kontakt zu den zuständigen Stellen her, etwa bei Fragen zu "
        "Aufenthaltstiteln.",
        region="Bundesweit",
    ),
    _offer(
        "kommunaler-fachaustausch",
        JONAS,
        resource_kind="ideas",
        title="Vorlage für mehrsprachige Willkommensmappen",
        description="Eine Mappe auf Deutsch, Ukrainisch, Russisch und Arabisch mit den ersten "
        "Wegen zu Amt, Schule und Arzt, zum Anpassen für jede Kommune.",
        region="Bundesweit",
    ),
    _need(
        "ag-freiwillige",
        LEYLA,
        resource_kind="time",
        title="Dolmetscher für Arzttermine und Behördengänge",
        description="Wir begleiten Familien zu Ämtern und Ärzten und suchen Ehrenamtliche, die "
        "Ukrainisch oder Russisch sprechen.",
        quantity="2–3 Stunden pro Woche",
        region="Leipzig",
        urgency="high",
    ),
    _offer(
        "ag-freiwillige",
        PETRA,
        resource_kind="money",
        title="Förderung für Ehrenamtsprojekte",
        description="Kleine Zuschüsse für Sprachcafés, Patenschaften und Begegnungsfeste; der "
        "Antrag passt auf eine Seite.",
        quantity="bis 5.000 € je Projekt",
        region="Bundesweit",
    ),
    _offer(
        "ag-freiwillige",
        LEYLA,
        resource_kind="time",
        title="Patenschaften für neu angekommene Familien",
        description="Unsere Patinnen und Paten helfen beim Ankommen im Stadtteil.",
        region="Leipzig",
    ),
    _need(
        "ag-versorgung",
        TOBIAS,
        resource_kind="goods",
        title="Winterjacken und Winterschuhe für Kinder",
        description="Für etwa 60 Kinder zwischen 3 und 14 Jahren fehlen warme Jacken und feste "
        "Schuhe. Abgabe in unserer Beratungsstelle.",
        quantity="60 Jacken, 60 Paar Schuhe",
        region="Dresden",
        urgency="critical",
    ),
    _offer(
        "ag-versorgung",
        MICHAEL,
        resource_kind="space",
        title="Lagerfläche für Sachspenden",
        description="200 m² trockene Lagerfläche mit Rampe, ab sofort für drei Monate kostenlos.",
        quantity="200 m²",
        region="Dresden",
    ),
    _pledge(
        "ag-versorgung",
        MICHAEL,
        60,
        resource_kind="goods",
        title="Wir fahren Sachspenden aus",
        promise="Wir stellen einen Transporter mit Fahrer an zwei Samstagen im Monat",
        condition="wenn jemand die Spenden vorher sortiert und verpackt",
        helpers_needed="4",
        region="Sachsen",
    ),
    _need(
        "ag-versorgung",
        TOBIAS,
        resource_kind="time",
        title="Helfende für die Kleiderkammer am Samstag",
        description="Sortieren, ausgeben, beraten: jeden Samstag von 10 bis 14 Uhr.",
        quantity="4 Personen",
        region="Dresden",
    ),
    _offer(
        "ag-bildung",
        OLENA,
        resource_kind="knowledge",
        title="Sprachkurse mit Kinderbetreuung",
        description="Deutschkurse A1 bis B1 am Vormittag; Erzieherinnen betreuen die Kinder "
        "parallel im Nebenraum.",
        quantity="15 Plätze je Kurs",
        region="Leipzig",
    ),
    _need(
        "ag-bildung",
        OLENA,
        resource_kind="skills",
        title="Kinderbetreuung während der Abendkurse",
        description="Für unsere Integrationskurse am Abend suchen wir Menschen mit Erfahrung in "
        "der Kinderbetreuung.",
        region="Leipzig",
        urgency="high",
    ),
    _need(
        "ag-bildung",
        OLENA,
        30,
        resource_kind="goods",
        title="Laptops für Schülerinnen und Schüler",
        description="Für Hausaufgaben und den Online-Unterricht in der Willkommensklasse.",
        quantity="20 Laptops",
        region="Leipzig",
    ),
    _need(
        "ag-gesundheit",
        SABINE,
        resource_kind="skills",
        title="Psychosoziale Beratung auf Ukrainisch",
        description="Viele Geflüchtete brauchen Unterstützung nach Krieg und Flucht. Wir suchen "
        "Psychologinnen und Psychologen, die Ukrainisch oder Russisch sprechen.",
        region="Dresden",
        urgency="critical",
    ),
    _offer(
        "ag-gesundheit",
        TOBIAS,
        resource_kind="time",
        title="Begleitung zu Arztterminen",
        description="Ehrenamtliche begleiten zu Praxen und Kliniken und helfen beim Übersetzen.",
        region="Dresden",
    ),
]


async def load_demo_cards(session: AsyncSession, today: date | None = None) -> None:
    """Put every demo card that is missing on its board (the groups and persons of the demo
    must be there: `server.demo.load_demo` adds them first)."""
    today = today or date.today()
    for demo in DEMO_CARDS:
        group = await session.scalar(select(WorkingGroup).where(WorkingGroup.slug == demo.group))
        author = await session.scalar(select(Person.id).where(Person.email == demo.author))
        if group is None or author is None:
            continue
        present = await session.scalar(
            select(Card.id).where(Card.group_id == group.id, Card.title == demo.fields["title"])
        )
        actor = await persons.actor_for(session, author)
        if present is not None or actor is None:
            continue
        form = dict(demo.fields)
        if demo.deadline_in_days is not None:
            form["deadline"] = (today + timedelta(days=demo.deadline_in_days)).isoformat()
        await cards.add_card(session, actor, group, form, today)


async def load_demo_redemption(session: AsyncSession, today: date | None = None) -> None:
    """A pledge kept, for the demo: Stadt Leipzig redeems Unterkunft Ukraine's pledge to pay
    rent deposits, Unterkunft Ukraine confirms, and Stadt Leipzig's report is a public
    knowledge page. Done once: nothing happens when the pledge has a redemption already."""
    today = today or date.today()
    pledge = await session.scalar(
        select(Card).where(Card.title == "Wir übernehmen Mietkautionen", Card.kind == "pledge")
    )
    if pledge is None or await session.scalar(
        select(PledgeRedemption.id).where(PledgeRedemption.pledge_id == pledge.id)
    ):
        return
    group = await session.get(WorkingGroup, pledge.group_id)
    redeemer = await _actor(session, KATRIN)
    pledger = await _actor(session, ANNA)
    if group is None or redeemer is None or pledger is None:
        return
    redemption = await pledges.redeem(
        session,
        redeemer,
        group,
        pledge.id,
        {
            "fulfilment": "Zwei Sprachmittlerinnen des Sozialamts begleiten ab sofort jede "
            "Wohnungsbesichtigung und übersetzen Ukrainisch und Russisch."
        },
        today,
    )
    await pledges.decide(session, pledger, group, redemption.id, confirm=True)
    await pledges.report(
        session,
        redeemer,
        group,
        redemption.id,
        {
            "title": "Mietkaution gegen Besichtigungsbegleitung: so lief es in Leipzig",
            "body": "Unterkunft Ukraine übernahm die Kautionen, das Sozialamt stellte zwei "
            "Sprachmittlerinnen für die Besichtigungen.\n\nIn sechs Wochen unterschrieben fünf "
            "Familien einen Mietvertrag. Entscheidend war ein fester Termin pro Woche mit den "
            "Vermietern und eine Checkliste für die Unterlagen.\n\nZum Nachmachen: die "
            "Checkliste gibt es beim Sozialamt Leipzig.",
            "visibility": "public",
        },
    )


async def _actor(session: AsyncSession, email: str) -> Actor | None:
    person = await session.scalar(select(Person.id).where(Person.email == email))
    return await persons.actor_for(session, person) if person is not None else None
