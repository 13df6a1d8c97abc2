"""Adding organisations and the directory, on real PostgreSQL (each test rolled back)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import organisations
from server.domain.errors import Invalid
from server.domain.organisations import DirectoryFilter
from server.models import FederalLevel, Organisation, OrganisationKind, OrganisationStatus
from tests import factories
from tests.actors import ADMIN

VALID = {
    "name": "Sprachcafé Connewitz e. V.",
    "kind": "association",
    "federal_level": "kommune",
    "region": "Leipzig",
    "description": "Wöchentliches Sprachcafé für Familien.",
    "contact_email": "hallo@sprachcafe.example",
}


async def _count(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Organisation)) or 0


async def test_add_organisation_saves_every_field(session: AsyncSession) -> None:
    field = await factories.field_of_action(session)
    added = await organisations.add_organisation(session, ADMIN, VALID, [field.slug])
    stored = await organisations.get_organisation(session, ADMIN, added.id)
    assert stored.name == "Sprachcafé Connewitz e. V."
    assert stored.kind is OrganisationKind.association
    assert stored.federal_level is FederalLevel.kommune
    assert stored.status is OrganisationStatus.member
    assert [f.slug for f in stored.fields] == [field.slug]


async def test_add_organisation_trims_text_and_drops_control_characters(
    session: AsyncSession,
) -> None:
    form = {**VALID, "name": "  Tafel\x00 Nord \x07 ", "region": " Halle "}
    added = await organisations.add_organisation(session, ADMIN, form, [])
    assert (added.name, added.region) == ("Tafel Nord", "Halle")


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"name": ""}, "name", "Please fill in this field."),
        ({"name": "   \n "}, "name", "Please fill in this field."),
        ({"name": "x" * 201}, "name", "This is too long: at most %(max)d characters."),
        ({"kind": "private_person"}, "kind", "Please choose one of the offered values."),
        ({"federal_level": "eu"}, "federal_level", "Please choose one of the offered values."),
        ({"region": "r" * 121}, "region", "This is too long: at most %(max)d characters."),
        (
            {"contact_email": "not-an-address"},
            "contact_email",
            "Please enter a valid e-mail address.",
        ),
        (
            {"description": "d" * 2001},
            "description",
            "This is too long: at most %(max)d characters.",
        ),
    ],
)
async def test_bad_input_is_refused_and_nothing_is_saved(
    session: AsyncSession, form: dict[str, str], field: str, message: str
) -> None:
    before = await _count(session)
    with pytest.raises(Invalid) as refused:
        await organisations.add_organisation(session, ADMIN, {**VALID, **form}, [])
    assert refused.value.errors[field].id == message
    assert await _count(session) == before


async def test_too_long_names_say_the_limit(session: AsyncSession) -> None:
    with pytest.raises(Invalid) as refused:
        await organisations.add_organisation(session, ADMIN, {**VALID, "name": "x" * 201}, [])
    assert str(refused.value.errors["name"]) == "This is too long: at most 200 characters."


async def test_all_errors_are_reported_at_once(session: AsyncSession) -> None:
    with pytest.raises(Invalid) as refused:
        await organisations.add_organisation(
            session, ADMIN, {"name": "", "kind": "x", "federal_level": "y"}, ["nope"]
        )
    assert set(refused.value.errors) == {"name", "kind", "federal_level", "fields"}


async def test_duplicate_names_are_refused_case_insensitively(session: AsyncSession) -> None:
    await organisations.add_organisation(session, ADMIN, VALID, [])
    with pytest.raises(Invalid) as refused:
        await organisations.add_organisation(
            session, ADMIN, {**VALID, "name": VALID["name"].upper()}, []
        )
    assert refused.value.errors["name"].id.startswith("An organisation with this name")
    assert await _count(session) == 1


async def test_markup_in_a_name_is_stored_as_plain_text(session: AsyncSession) -> None:
    form = {**VALID, "name": "<script>alert(1)</script> Hilfe"}
    added = await organisations.add_organisation(session, ADMIN, form, [])
    assert added.name == "<script>alert(1)</script> Hilfe"


async def test_directory_filters_combine(session: AsyncSession) -> None:
    health = await factories.field_of_action(session)
    wanted = await factories.organisation(
        session,
        kind=OrganisationKind.foundation,
        level=FederalLevel.land,
        region="Sachsen",
        fields=[health],
    )
    await factories.organisation(session, kind=OrganisationKind.foundation, region="Sachsen")
    await factories.organisation(session, level=FederalLevel.land, region="Sachsen")
    await factories.organisation(
        session,
        kind=OrganisationKind.foundation,
        level=FederalLevel.land,
        region="Sachsen",
        status=OrganisationStatus.pending,
    )
    found = await organisations.list_organisations(
        session,
        ADMIN,
        DirectoryFilter(
            kind=OrganisationKind.foundation,
            federal_level=FederalLevel.land,
            region="Sachsen",
            field=health.slug,
        ),
    )
    assert [o.id for o in found] == [wanted.id]


async def test_full_text_search_uses_german_stemming_and_prefixes(session: AsyncSession) -> None:
    shelter = await factories.organisation(
        session, name="Notunterkünfte Halle", description="Wir vermitteln Wohnungen an Familien."
    )
    await factories.organisation(session, name="Kleiderkammer Süd", description="Kleidung")
    by_stem = await organisations.list_organisations(session, ADMIN, DirectoryFilter(q="Wohnung"))
    by_prefix = await organisations.list_organisations(
        session, ADMIN, DirectoryFilter(q="notunter")
    )
    assert [o.id for o in by_stem] == [shelter.id]
    assert [o.id for o in by_prefix] == [shelter.id]


async def test_search_with_query_syntax_characters_is_harmless(session: AsyncSession) -> None:
    await factories.organisation(session, name="Hilfe & Co")
    for query in ["&", "a:*|!b", "'\"", "(", "100%", "_"]:
        await organisations.list_organisations(session, ADMIN, DirectoryFilter(q=query))


def test_directory_filter_refuses_unknown_values() -> None:
    with pytest.raises(Invalid) as refused:
        DirectoryFilter.parse({"kind": "bogus", "federal_level": "mars", "q": "x" * 201})
    assert set(refused.value.errors) == {"kind", "federal_level", "q"}


def test_directory_filter_reads_known_values() -> None:
    parsed = DirectoryFilter.parse({"kind": "company", "federal_level": "", "q": " Logistik "})
    assert parsed == DirectoryFilter(q="Logistik", kind=OrganisationKind.company)
    assert DirectoryFilter.parse({}).is_empty
