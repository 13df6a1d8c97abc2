"""The alliance's member organisations: the directory and adding an organisation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain import rights, validation
from server.domain.actors import Actor
from server.domain.errors import N_, Invalid, Message, NotFound
from server.models import (
    FederalLevel,
    FieldOfAction,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
)
from server.models.organisations import DESCRIPTION_MAX, NAME_MAX, REGION_MAX

SEARCH_MAX = 200


@dataclass(frozen=True)
class DirectoryFilter:
    """What a person narrowed the directory to; empty values mean no restriction."""

    q: str = ""
    kind: OrganisationKind | None = None
    federal_level: FederalLevel | None = None
    field: str = ""
    region: str = ""

    @classmethod
    def parse(cls, params: dict[str, str]) -> DirectoryFilter:
        """Read filters from query parameters; unknown values are refused, not ignored."""
        errors = validation.Errors()
        q = validation.text(errors, "q", params.get("q"), max_length=SEARCH_MAX)
        kind = params.get("kind") or None
        level = params.get("federal_level") or None
        parsed = cls(
            q=q,
            kind=validation.choice(errors, "kind", kind, OrganisationKind) if kind else None,
            federal_level=(
                validation.choice(errors, "federal_level", level, FederalLevel) if level else None
            ),
            field=(params.get("field") or "").strip()[:80],
            region=(params.get("region") or "").strip()[:REGION_MAX],
        )
        if errors:
            raise Invalid(errors)
        return parsed

    @property
    def is_empty(self) -> bool:
        return not (self.q or self.kind or self.federal_level or self.field or self.region)


async def list_organisations(
    session: AsyncSession, actor: Actor, directory: DirectoryFilter = DirectoryFilter()
) -> list[Organisation]:
    """Member organisations matching the filter; with a search, the best matches first."""
    rights.require_member(actor)
    query = (
        select(Organisation)
        .where(Organisation.status == OrganisationStatus.member)
        .options(selectinload(Organisation.fields))
    )
    if directory.kind:
        query = query.where(Organisation.kind == directory.kind)
    if directory.federal_level:
        query = query.where(Organisation.federal_level == directory.federal_level)
    if directory.region:
        query = query.where(Organisation.region == directory.region)
    if directory.field:
        query = query.where(Organisation.fields.any(FieldOfAction.slug == directory.field))
    order: list[Any] = [Organisation.name]
    if directory.q:
        tsquery = func.websearch_to_tsquery("german", directory.q)
        matches = [
            Organisation.search.op("@@")(tsquery),
            Organisation.name.ilike(f"%{_escape_like(directory.q)}%", escape="\\"),
        ]
        prefixes = _prefix_terms(directory.q)
        if prefixes:  # a word being typed matches the words it begins
            matches.append(Organisation.search.op("@@")(func.to_tsquery("german", prefixes)))
        query = query.where(or_(*matches))
        order = [func.ts_rank(Organisation.search, tsquery).desc(), Organisation.name]
    result = await session.scalars(query.order_by(*order))
    return list(result.unique())


def _prefix_terms(text: str) -> str:
    """A tsquery matching every typed word as a prefix, with tsquery syntax removed."""
    words = ["".join(ch for ch in word if ch.isalnum()) for word in text.split()]
    return " & ".join(f"{word}:*" for word in words if word)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_regions(session: AsyncSession) -> list[str]:
    result = await session.scalars(
        select(Organisation.region)
        .where(Organisation.status == OrganisationStatus.member, Organisation.region != "")
        .distinct()
        .order_by(Organisation.region)
    )
    return list(result)


async def get_organisation(
    session: AsyncSession, actor: Actor, organisation_id: int
) -> Organisation:
    rights.require_member(actor)
    organisation = await session.get(
        Organisation, organisation_id, options=[selectinload(Organisation.fields)]
    )
    if organisation is None:
        raise NotFound()
    return organisation


async def add_organisation(
    session: AsyncSession, actor: Actor, form: dict[str, str], field_slugs: list[str]
) -> Organisation:
    """Add a member organisation; every field is checked before anything is written."""
    rights.require_alliance_admin(actor)
    errors = validation.Errors()
    name = validation.text(errors, "name", form.get("name"), max_length=NAME_MAX, required=True)
    kind = validation.choice(errors, "kind", form.get("kind"), OrganisationKind)
    level = validation.choice(errors, "federal_level", form.get("federal_level"), FederalLevel)
    region = validation.text(errors, "region", form.get("region"), max_length=REGION_MAX)
    description = validation.text(
        errors, "description", form.get("description"), max_length=DESCRIPTION_MAX
    )
    contact_email = validation.email(errors, "contact_email", form.get("contact_email"))
    fields = list(
        await session.scalars(select(FieldOfAction).where(FieldOfAction.slug.in_(field_slugs)))
    )
    if len(fields) != len(set(field_slugs)):
        errors.add("fields", N_("Please choose one of the offered values."))
    if name and "name" not in errors and await _name_taken(session, name):
        errors.add("name", N_("An organisation with this name is already a member."))
    if errors or kind is None or level is None:
        raise Invalid(errors)
    organisation = Organisation(
        name=name,
        kind=kind,
        federal_level=level,
        region=region,
        description=description,
        contact_email=contact_email,
        fields=fields,
    )
    try:
        async with session.begin_nested():
            session.add(organisation)
            await session.flush()
    except IntegrityError as exc:  # a concurrent request took the name first
        raise Invalid(
            {"name": Message(N_("An organisation with this name is already a member."))}
        ) from exc
    return organisation


async def _name_taken(session: AsyncSession, name: str) -> bool:
    found = await session.scalar(
        select(Organisation.id).where(func.lower(Organisation.name) == name.lower())
    )
    return found is not None
