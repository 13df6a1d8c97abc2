"""German demo data that makes a fresh installation look alive: `python -m server.demo`.

Idempotent: rows are matched by their unique slug or name and only added when missing, so the
command can run on every start. `--if-empty` loads nothing into a database that has
organisations already.

Demo persons sign in at the local mock identity provider that `make run` starts (DEMO_ISSUER):
their subject is the local part of their e-mail address. `--providers-file PATH` writes the
IDENTITY_PROVIDERS_FILE that registers that provider for the demo organisations in the
database, and `--mock-users` prints the mock's `--user-claims` arguments for the demo persons.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import create_engine, create_sessionmaker
from server.demo_cards import load_demo_cards, load_demo_redemption
from server.demo_fund import load_demo_fund
from server.demo_sessions import load_demo_sessions
from server.demo_state import load_demo_state_contacts
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

# Members without a special role: name, e-mail, organisation
MEMBERS = [
    ("Katrin Hoffmann", "k.hoffmann@leipzig.example", "Stadt Leipzig – Sozialamt"),
    ("Tobias Richter", "tobias.richter@fh-dresden.example", "Flüchtlingshilfe Dresden e. V."),
]

# The mock identity provider `make run` starts; a demo person's subject is the local part of
# their e-mail address, so typing `anna.becker` at the mock signs in as Anna Becker.
DEMO_ISSUER = "http://127.0.0.1:15556"
DEMO_CLIENT_ID = "knotenpunkt-demo"
DEMO_CLIENT_SECRET = "demo-secret-not-for-production"


def demo_persons() -> list[tuple[str, str, str]]:
    """(name, e-mail, organisation) of every demo person."""
    return [ADMIN, *(group[5] for group in GROUPS), *MEMBERS]


def demo_email_domain(organisation: str) -> str | None:
    """The e-mail domain of a demo organisation: that of its contact address or its persons."""
    for name, _kind, _level, _region, _fields, contact, _description in ORGANISATIONS:
        if name == organisation and contact:
            return contact.rsplit("@", 1)[1]
    for _name, email, person_organisation in demo_persons():
        if person_organisation == organisation:
            return email.rsplit("@", 1)[1]
    return None


def providers_toml(organisations: list[str], issuer: str = DEMO_ISSUER) -> str:
    """An IDENTITY_PROVIDERS_FILE registering the demo provider for these organisations
    (only those with an e-mail domain: unknown domains must become join requests)."""
    lines = ["# Written by `python -m server.demo --providers-file`: the demo identity provider."]
    for organisation in organisations:
        domain = demo_email_domain(organisation)
        if domain is None:
            continue
        lines += [
            "",
            "[[provider]]",
            f"organisation = {json.dumps(organisation, ensure_ascii=False)}",
            f"issuer = {json.dumps(issuer)}",
            f"client_id = {json.dumps(DEMO_CLIENT_ID)}",
            f"client_secret = {json.dumps(DEMO_CLIENT_SECRET)}",
            f"email_domains = [{json.dumps(domain)}]",
        ]
    return "\n".join(lines) + "\n"


def mock_user_arguments() -> list[str]:
    """`--user-claims` arguments of the mock provider: one-click demo persons with names."""
    arguments = []
    for name, email, _organisation in demo_persons():
        claims = {
            "sub": email.split("@", 1)[0],
            "email": email,
            "email_verified": True,
            "name": name,
        }
        arguments += ["--user-claims", json.dumps(claims, ensure_ascii=False)]
    return arguments


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
    for plain_member in MEMBERS:
        await _person(session, organisations, *plain_member)
    await session.flush()
    await load_demo_cards(session)
    await load_demo_redemption(session)
    await load_demo_sessions(session)
    await load_demo_state_contacts(session)
    await load_demo_fund(session)


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
    if person.issuer is None:  # the demo identity at the mock provider
        person.issuer, person.subject = DEMO_ISSUER, email.split("@", 1)[0]
    await session.flush()
    return person


async def present_organisations() -> list[str]:
    """The demo organisations that are in the database, in the demo's order."""
    engine = create_engine(load_settings())
    try:
        async with create_sessionmaker(engine)() as session:
            names = [name for name, *_ in ORGANISATIONS]
            present = await session.scalars(
                select(Organisation.name).where(Organisation.name.in_(names))
            )
            found = set(present)
    finally:
        await engine.dispose()
    return [name for name in names if name in found]


def write_providers_file(path: Path, issuer: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(providers_toml(asyncio.run(present_organisations()), issuer))
    print(f"demo identity provider registered in {path}")


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
    parser.add_argument(
        "--providers-file", type=Path, help="write the demo IDENTITY_PROVIDERS_FILE, load nothing"
    )
    parser.add_argument("--issuer", default=DEMO_ISSUER, help="issuer of the demo provider")
    parser.add_argument(
        "--mock-users", action="store_true", help="print the mock provider's --user-claims"
    )
    arguments = parser.parse_args()
    if arguments.mock_users:
        print("\n".join(mock_user_arguments()))
    elif arguments.providers_file:
        write_providers_file(arguments.providers_file, arguments.issuer)
    else:
        asyncio.run(main(arguments.if_empty))
