"""The alliance fund in the demo: Petra Neumann (Stiftung für Engagement und Ehrenamt) sits on
the fund committee, three donor members pledged, and Stadt Leipzig's request for beds (a need
on AG Unterkunft's board) waits for the committee's decision, with a first question asked.
Written through the domain functions, as the people would.

Idempotent like the rest of the demo: nothing happens once a pledge is recorded (or when a
demo person, the group or the card is missing).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import fund, fund_balance, persons
from server.domain.actors import Actor
from server.models import Card, FundPledge, Organisation, Person, WorkingGroup

PETRA = "petra.neumann@engagement-stiftung.example"  # the fund committee
KATRIN = "k.hoffmann@leipzig.example"  # Stadt Leipzig – Sozialamt, in AG Unterkunft
GROUP = "ag-unterkunft"
NEED = "Betten und Matratzen für die Erstausstattung"
PLEDGES = [
    ("Stiftung für Engagement und Ehrenamt", "25.000", "Zusage für 2026 und 2027"),
    ("Bürgerstiftung Dresden", "10.000", "Für Bildungs- und Ausstattungsprojekte"),
    ("Elbe Logistik GmbH", "5.000", "Spende aus dem CSR-Budget"),
]


async def load_demo_fund(session: AsyncSession) -> None:
    if await session.scalar(select(FundPledge.id).limit(1)) is not None:
        return
    petra = await session.scalar(select(Person).where(Person.email == PETRA))
    group = await session.scalar(select(WorkingGroup).where(WorkingGroup.slug == GROUP))
    card_id = await session.scalar(
        select(Card.id).where(Card.title == NEED, Card.group_id == (group.id if group else 0))
    )
    katrin = await _actor(session, KATRIN)
    if petra is None or group is None or card_id is None or katrin is None:
        return
    petra.fund_committee = True
    await session.flush()
    committee = await _actor(session, PETRA)
    assert committee is not None
    for name, amount, note in PLEDGES:
        donor = await session.scalar(select(Organisation.id).where(Organisation.name == name))
        if donor is not None:
            form = {"organisation_id": str(donor), "amount": amount, "note": note}
            await fund_balance.record_pledge(session, committee, form)
    today = date.today()
    request = await fund.submit(
        session,
        katrin,
        {
            "title": "Erstausstattung für drei Familienwohnungen",
            "purpose": "Betten, Matratzen und Bettwäsche für drei Familien, die aus der "
            "Gemeinschaftsunterkunft in eigene Wohnungen ziehen. Elbe Logistik liefert "
            "kostenlos aus.",
            "amount": "4.800",
            "starts_on": (today + timedelta(days=14)).isoformat(),
            "ends_on": (today + timedelta(days=120)).isoformat(),
            "group_id": str(group.id),
        },
        [str(card_id)],
        today,
    )
    await fund.comment(
        session,
        committee,
        request.id,
        {"text": "Danke! Können Sie die Kosten pro Wohnung kurz aufschlüsseln?"},
    )


async def _actor(session: AsyncSession, email: str) -> Actor | None:
    person = await session.scalar(select(Person.id).where(Person.email == email))
    return await persons.actor_for(session, person) if person is not None else None
