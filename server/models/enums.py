"""The fixed vocabularies of the data model; labels live in the gettext catalogs."""

from __future__ import annotations

import enum


class OrganisationKind(enum.StrEnum):
    association = "association"
    foundation = "foundation"
    company = "company"
    municipality = "municipality"
    state_agency = "state_agency"
    other = "other"


class FederalLevel(enum.StrEnum):
    bund = "bund"
    land = "land"
    kommune = "kommune"
    none = "none"


class OrganisationStatus(enum.StrEnum):
    pending = "pending"
    member = "member"
    left = "left"


class JoinRequestStatus(enum.StrEnum):
    pending = "pending"
    approved = "approved"
    declined = "declined"


class CardKind(enum.StrEnum):
    need = "need"
    offer = "offer"
    pledge = "pledge"


class ResourceKind(enum.StrEnum):
    knowledge = "knowledge"
    skills = "skills"
    contacts = "contacts"
    ideas = "ideas"
    time = "time"
    money = "money"
    goods = "goods"
    space = "space"


class Urgency(enum.StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    critical = "critical"


class CardStatus(enum.StrEnum):
    open = "open"
    matched = "matched"
    in_progress = "in_progress"
    done = "done"
    archived = "archived"


class RedemptionStatus(enum.StrEnum):
    """A pledge's redemption: claimed by the redeeming organisation, confirmed (or declined) by
    the pledger, finished with the redeeming organisation's report."""

    claimed = "claimed"
    confirmed = "confirmed"
    declined = "declined"
    reported = "reported"


class PageVisibility(enum.StrEnum):
    members = "members"
    public = "public"


class DigestFrequency(enum.StrEnum):
    """How often a person gets the digest of their working groups (or never)."""

    daily = "daily"
    weekly = "weekly"
    none = "none"


class PageStatus(enum.StrEnum):
    """A session's summary is written as a draft, reviewed and published by a moderator; every
    other page is published when written."""

    draft = "draft"
    published = "published"


class PageKind(enum.StrEnum):
    pledge_report = "pledge_report"
    good_practice = "good_practice"
    session_summary = "session_summary"
    fund_report = "fund_report"
    state_answer = "state_answer"


class MeetingStatus(enum.StrEnum):
    """A session of a series: planned, running (the moderator started it), closed (frozen,
    attendance recorded, summary job enqueued) or cancelled."""

    planned = "planned"
    running = "running"
    closed = "closed"
    cancelled = "cancelled"


class AgendaItemStatus(enum.StrEnum):
    """Proposed by a member; accepted onto the agenda, deferred to a later session or merged
    into another item by the moderator; covered once closed with its outcome in the session."""

    proposed = "proposed"
    accepted = "accepted"
    deferred = "deferred"
    merged = "merged"
    covered = "covered"


class SpeakerStatus(enum.StrEnum):
    waiting = "waiting"
    speaking = "speaking"
    done = "done"
    withdrawn = "withdrawn"


class ActionItemStatus(enum.StrEnum):
    open = "open"
    in_progress = "in_progress"
    done = "done"
    dropped = "dropped"


class StateQuestionStatus(enum.StrEnum):
    """A question to a working group's state contacts: open until a contact answers it (or its
    asker withdraws it)."""

    open = "open"
    answered = "answered"
    withdrawn = "withdrawn"
