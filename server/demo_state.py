"""A state contact for the demo: Katrin Hoffmann of Stadt Leipzig's Sozialamt (a municipality)
answers AG Unterkunft's questions at the Kommune level, and one question of Unterkunft Ukraine
is answered already. Written through the domain functions, as the people would.

Idempotent like the rest of the demo: nothing happens when Katrin is a contact of the group
already (or a demo person or the group is missing).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import persons, state_contacts, state_questions
from server.domain.actors import Actor
from server.models import Person, StateContact, WorkingGroup

GROUP = "ag-unterkunft"
KATRIN = "k.hoffmann@leipzig.example"  # Stadt Leipzig – Sozialamt
ANNA = "anna.becker@unterkunft-ukraine.example"  # moderator of AG Unterkunft


async def load_demo_state_contacts(session: AsyncSession) -> None:
    group = await session.scalar(select(WorkingGroup).where(WorkingGroup.slug == GROUP))
    katrin_id = await session.scalar(select(Person.id).where(Person.email == KATRIN))
    if group is None or katrin_id is None:
        return
    if await session.scalar(
        select(StateContact.id).where(
            StateContact.group_id == group.id, StateContact.person_id == katrin_id
        )
    ):
        return
    katrin, anna = await _actor(session, KATRIN), await _actor(session, ANNA)
    if katrin is None or anna is None:
        return
    contact = await state_contacts.add_contact(
        session,
        anna,
        group,
        {
            "person_id": str(katrin_id),
            "level": "kommune",
            "authority": "Stadt Leipzig – Sozialamt, Abteilung Unterbringung",
            "topics": "Gemeinschaftsunterkünfte, Wohnungsvermittlung, Kosten der Unterkunft",
        },
    )
    question = await state_questions.ask(
        session,
        anna,
        group,
        {
            "contact_id": str(contact.id),
            "subject": "Übernimmt das Sozialamt die Mietkaution für Geflüchtete?",
            "text": "Mehrere Vermieter fragen nach der Kaution, bevor sie einen Vertrag "
            "unterschreiben. Können Familien mit Leistungsbezug die Kaution beim Sozialamt "
            "beantragen, und wie lange dauert die Bewilligung?",
        },
    )
    await state_questions.answer(
        session,
        katrin,
        question.id,
        {
            "version": str(question.version),
            "answer": "Ja: die Kaution kann als Darlehen beantragt werden, formlos mit dem "
            "Mietangebot. Die Bewilligung dauert meist zwei Wochen; mit einer Zusage des "
            "Vermieters geht es schneller.\n\nAnsprechpartnerin ist das Team Unterbringung "
            "im Sozialamt.",
        },
    )
    # Demo questions are told by nobody: no e-mails for data nobody entered.
    question.contact_notified_at = question.asker_notified_at = question.answered_at
    await session.flush()


async def _actor(session: AsyncSession, email: str) -> Actor | None:
    person = await session.scalar(select(Person.id).where(Person.email == email))
    if person is None:
        return None
    actor = await persons.actor_for(session, person)
    return actor
