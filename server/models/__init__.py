"""SQLAlchemy models: the tables of Knotenpunkt."""

from server.models.base import Base
from server.models.enums import FederalLevel, OrganisationKind, OrganisationStatus
from server.models.events import Event
from server.models.groups import FieldOfAction, GroupMember, GroupModerator, WorkingGroup
from server.models.organisations import Organisation, organisation_fields
from server.models.persons import Person

__all__ = [
    "Base",
    "Event",
    "FederalLevel",
    "FieldOfAction",
    "GroupMember",
    "GroupModerator",
    "Organisation",
    "OrganisationKind",
    "OrganisationStatus",
    "Person",
    "WorkingGroup",
    "organisation_fields",
]
