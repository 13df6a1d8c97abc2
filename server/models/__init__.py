"""SQLAlchemy models: the tables of Knotenpunkt."""

from server.models.agenda import (
    ActionItem,
    AgendaItem,
    AgendaItemCard,
    Decision,
    NoteRevision,
    Speaker,
)
from server.models.audit import AuditEntry
from server.models.base import Base
from server.models.cards import Card, CardChange, CardMatch, PledgeRedemption
from server.models.enums import (
    ActionItemStatus,
    AgendaItemStatus,
    CardKind,
    CardStatus,
    DigestFrequency,
    FederalLevel,
    JoinRequestStatus,
    MeetingStatus,
    OrganisationKind,
    OrganisationStatus,
    PageKind,
    PageStatus,
    PageVisibility,
    RedemptionStatus,
    ResourceKind,
    SpeakerStatus,
    StateQuestionStatus,
    Urgency,
)
from server.models.events import Event
from server.models.fund import (
    FundingRequest,
    FundingRequestCard,
    FundingStatus,
    FundingStep,
    FundingStepKind,
    FundPledge,
)
from server.models.groups import FieldOfAction, GroupMember, GroupModerator, WorkingGroup
from server.models.identity_providers import IdentityProvider
from server.models.join_requests import JoinRequest
from server.models.knowledge import KnowledgePage, KnowledgeRevision
from server.models.meetings import Attendance, Meeting, Registration, Series, Subscription
from server.models.organisations import Organisation, organisation_fields
from server.models.persons import Person
from server.models.state_contacts import StateContact, StateQuestion

__all__ = [
    "StateContact",
    "StateQuestion",
    "StateQuestionStatus",
    "FundPledge",
    "FundingRequest",
    "FundingRequestCard",
    "FundingStatus",
    "FundingStep",
    "FundingStepKind",
    "SpeakerStatus",
    "MeetingStatus",
    "AgendaItemStatus",
    "ActionItemStatus",
    "Subscription",
    "Series",
    "Registration",
    "Meeting",
    "Attendance",
    "Speaker",
    "NoteRevision",
    "Decision",
    "AgendaItemCard",
    "AgendaItem",
    "ActionItem",
    "KnowledgeRevision",
    "KnowledgePage",
    "RedemptionStatus",
    "PageVisibility",
    "DigestFrequency",
    "PageKind",
    "PageStatus",
    "PledgeRedemption",
    "CardMatch",
    "AuditEntry",
    "Base",
    "Card",
    "CardChange",
    "CardKind",
    "CardStatus",
    "Event",
    "FederalLevel",
    "FieldOfAction",
    "GroupMember",
    "GroupModerator",
    "IdentityProvider",
    "JoinRequest",
    "JoinRequestStatus",
    "Organisation",
    "OrganisationKind",
    "OrganisationStatus",
    "Person",
    "ResourceKind",
    "Urgency",
    "WorkingGroup",
    "organisation_fields",
]
