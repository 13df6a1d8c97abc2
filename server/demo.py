"""German demo data that makes a fresh installation look alive: `python -m server.demo`.

Idempotent: rows are matched by their unique slug or name and only added when missing, so the
command can run on every start. `--if-empty` loads nothing into a database that has
organisations already.
"""

from __future__ import annotations

import argparse
import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import create_engine, create_sessionmaker
from server.models import (
    FederalLevel,
    FieldOfAction,
    GroupMember,
    GroupModerator,
    Organisation,
    OrganisationKind,
    Person,
    WorkingGroup,
)
from server.settings import load_settings

K, L, B, N = FederalLevel.kommune, FederalLevel.land, FederalLevel.bund, FederalLevel.none
KIND = OrganisationKind

FIELDS = [
    (
        "orientierung",
        "Orientierung und Information",
        "Erstinformation, Beratung und Wegweiser für Ankommende.",
    ),
    ("unterkunft", "Unterkunft", "Private und kommunale Unterbringung, Wohnraumvermittlung."),
    (
        "freiwillige",
        "Vermittlung von Freiwilligen",
        "Ehrenamtliche Zeit dorthin bringen, wo sie gebraucht wird.",
    ),
    (
        "versorgung",
        "Versorgung und Grundausstattung",
        "Sachspenden, Logistik und Grundausstattung.",
    ),
    ("bildung", "Bildung, Kinderbetreuung und Sprache", "Kita- und Schulplätze, Sprachkurse."),
    ("arbeit", "Arbeit und Ausbildung", "Anerkennung, Vermittlung und Ausbildung."),
    ("gesundheit", "Gesundheit", "Medizinische und psychosoziale Versorgung."),
    ("gemeinschaft", "Gemeinschaft und Teilhabe", "Begegnung, Kultur und Sport vor Ort."),
]

# name, kind, level, region, fields, contact, description
ORGANISATIONS = [
    (
        "Stadt Leipzig – Sozialamt",
        KIND.municipality,
        K,
        "Leipzig",
        ["unterkunft", "orientierung"],
        "sozialamt@leipzig.example",
        "Koordiniert Unterbringung und Erstberatung in Leipzig.",
    ),
    (
        "Landkreis Nordsachsen",
        KIND.municipality,
        K,
        "Nordsachsen",
        ["unterkunft", "bildung"],
        "integration@nordsachsen.example",
        "Landkreis mit dezentraler Unterbringung.",
    ),
    (
        "Sächsisches Staatsministerium für Soziales",
        KIND.state_agency,
        L,
        "Sachsen",
        ["gesundheit", "orientierung"],
        "fluechtlinge@sms.example",
        "Landesministerium, Ansprechpartner für Förderprogramme.",
    ),
    (
        "Bundesamt für Integrationsfragen",
        KIND.state_agency,
        B,
        "Bundesweit",
        ["arbeit", "bildung"],
        None,
        "Bundesbehörde für Integrationskurse und Anerkennung.",
    ),
    (
        "Deutscher Städte- und Gemeindeverbund",
        KIND.association,
        B,
        "Bundesweit",
        ["orientierung", "unterkunft"],
        "kontakt@staedteverbund.example",
        "Spitzenverband der Kommunen, organisiert den Kommunalen Fachaustausch.",
    ),
    (
        "Unterkunft Ukraine e. V.",
        KIND.association,
        B,
        "Bundesweit",
        ["unterkunft"],
        "team@unterkunft-ukraine.example",
        "Koordiniert private Unterkunftsangebote.",
    ),
    (
        "Willkommensnetz Leipzig-Ost",
        KIND.association,
        K,
        "Leipzig",
        ["gemeinschaft", "freiwillige"],
        "hallo@willkommensnetz.example",
        "Nachbarschaftsinitiative mit Sprachcafé und Patenschaften.",
    ),
    (
        "Flüchtlingshilfe Dresden e. V.",
        KIND.association,
        K,
        "Dresden",
        ["orientierung", "gesundheit"],
        "info@fh-dresden.example",
        "Beratung, Begleitung zu Ämtern und Ärzten.",
    ),
    (
        "Stiftung für Engagement und Ehrenamt",
        KIND.foundation,
        B,
        "Bundesweit",
        ["freiwillige", "gemeinschaft"],
        "foerderung@engagement-stiftung.example",
        "Fördert Ehrenamt und stärkt bestehende Strukturen.",
    ),
    (
        "Bürgerstiftung Dresden",
        KIND.foundation,
        K,
        "Dresden",
        ["bildung", "gemeinschaft"],
        "kontakt@buergerstiftung-dresden.example",
        "Lokale Stiftung für Bildungsprojekte.",
    ),
    (
        "Elbe Logistik GmbH",
        KIND.company,
        N,
        "Sachsen",
        ["versorgung"],
        "csr@elbe-logistik.example",
        "Lager- und Transportkapazitäten für Sachspenden.",
    ),
    (
        "MediConnect GmbH",
        KIND.company,
        N,
        "Bundesweit",
        ["gesundheit"],
        "hilfe@mediconnect.example",
        "IT für Dolmetschdienste in Arztpraxen.",
    ),
    (
        "Sprachbrücke gGmbH",
        KIND.other,
        N,
        "Leipzig",
        ["bildung", "arbeit"],
        "kurse@sprachbruecke.example",
        "Sprachkurse mit Kinderbetreuung.",
    ),
]

# slug, name, field, description, member organisations, moderator (name, e-mail, organisation)
GROUPS = [
    (
        "ag-unterkunft",
        "AG Unterkunft",
        "unterkunft",
        "Wohnraum finden, vermitteln und dauerhaft sichern.",
        ["Stadt Leipzig – Sozialamt", "Landkreis Nordsachsen", "Unterkunft Ukraine e. V."],
        ("Anna Becker", "anna.becker@unterkunft-ukraine.example", "Unterkunft Ukraine e. V."),
    ),
    (
        "kommunaler-fachaustausch",
        "Kommunaler Fachaustausch",
        "orientierung",
        "Der wöchentliche Austausch der Kommunen mit Impulsvorträgen und guter Praxis.",
        [
            "Stadt Leipzig – Sozialamt",
            "Landkreis Nordsachsen",
            "Deutscher Städte- und Gemeindeverbund",
        ],
        (
            "Jonas Weber",
            "jonas.weber@staedteverbund.example",
            "Deutscher Städte- und Gemeindeverbund",
        ),
    ),
    (
        "ag-freiwillige",
        "AG Freiwilligenvermittlung",
        "freiwillige",
        "Freiwillige Zeit dort einsetzen, wo Projekte sie brauchen.",
        ["Willkommensnetz Leipzig-Ost", "Stiftung für Engagement und Ehrenamt"],
        ("Leyla Yılmaz", "leyla@willkommensnetz.example", "Willkommensnetz Leipzig-Ost"),
    ),
    (
        "ag-versorgung",
        "AG Versorgung und Logistik",
        "versorgung",
        "Sachspenden bündeln, lagern und verteilen.",
        ["Elbe Logistik GmbH", "Flüchtlingshilfe Dresden e. V."],
        ("Michael Schulz", "m.schulz@elbe-logistik.example", "Elbe Logistik GmbH"),
    ),
    (
        "ag-bildung",
        "AG Bildung und Sprache",
        "bildung",
        "Kita- und Schulplätze, Sprachkurse mit Kinderbetreuung.",
        ["Sprachbrücke gGmbH", "Bürgerstiftung Dresden", "Landkreis Nordsachsen"],
        ("Olena Kovalenko", "olena@sprachbruecke.example", "Sprachbrücke gGmbH"),
    ),
    (
        "ag-gesundheit",
        "AG Gesundheit",
        "gesundheit",
        "Zugang zu medizinischer und psychosozialer Versorgung.",
        ["MediConnect GmbH", "Flüchtlingshilfe Dresden e. V."],
        ("Dr. Sabine Wolf", "s.wolf@fh-dresden.example", "Flüchtlingshilfe Dresden e. V."),
    ),
]

ADMIN = (
    "Petra Neumann",
    "petra.neumann@engagement-stiftung.example",
    "Stiftung für Engagement und Ehrenamt",
)


async def load_demo(session: AsyncSession) -> None:
    """Add whatever part of the demo data is missing."""
    fields: dict[str, FieldOfAction] = {}
    for position, (slug, name, description) in enumerate(FIELDS):
        field = await session.scalar(select(FieldOfAction).where(FieldOfAction.slug == slug))
        if field is None:
            field = FieldOfAction(slug=slug, name=name, description=description, position=position)
            session.add(field)
        fields[slug] = field
    await session.flush()

    organisations: dict[str, Organisation] = {}
    for name, kind, level, region, field_slugs, contact, description in ORGANISATIONS:
        organisation = await session.scalar(select(Organisation).where(Organisation.name == name))
        if organisation is None:
            organisation = Organisation(
                name=name,
                kind=kind,
                federal_level=level,
                region=region,
                contact_email=contact,
                description=description,
                fields=[fields[slug] for slug in field_slugs],
            )
            session.add(organisation)
        organisations[name] = organisation
    await session.flush()

    admin = await _person(session, organisations, *ADMIN)
    admin.is_alliance_admin = True
    for slug, name, field_slug, description, members, moderator in GROUPS:
        group = await session.scalar(select(WorkingGroup).where(WorkingGroup.slug == slug))
        if group is None:
            group = WorkingGroup(
                slug=slug, name=name, field=fields[field_slug], description=description
            )
            session.add(group)
            await session.flush()
        for member in members:
            key = (group.id, organisations[member].id)
            if await session.get(GroupMember, key) is None:
                # Demo memberships count as welcomed: no e-mails for data nobody entered.
                session.add(
                    GroupMember(group_id=key[0], organisation_id=key[1], welcomed_at=func.now())
                )
        person = await _person(session, organisations, *moderator)
        if await session.get(GroupModerator, (group.id, person.id)) is None:
            session.add(GroupModerator(group_id=group.id, person_id=person.id))
    await session.flush()


async def _person(
    session: AsyncSession,
    organisations: dict[str, Organisation],
    name: str,
    email: str,
    organisation: str,
) -> Person:
    person = await session.scalar(select(Person).where(Person.email == email))
    if person is None:
        person = Person(name=name, email=email, organisation=organisations[organisation])
        session.add(person)
        await session.flush()
    return person


async def main(if_empty: bool) -> None:
    engine = create_engine(load_settings())
    try:
        async with create_sessionmaker(engine)() as session:
            if if_empty and await session.scalar(select(Organisation.id).limit(1)):
                print("demo data: database has organisations already, nothing loaded")
                return
            await load_demo(session)
            await session.commit()
            print("demo data: loaded")
    finally:
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--if-empty", action="store_true", help="only load into an empty database")
    asyncio.run(main(parser.parse_args().if_empty))
