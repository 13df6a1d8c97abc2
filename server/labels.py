"""Human names of the fixed vocabularies, as gettext message ids."""

from __future__ import annotations

from server.domain.errors import N_
from server.models import (
    CardKind,
    CardStatus,
    FederalLevel,
    OrganisationKind,
    OrganisationStatus,
    ResourceKind,
    Urgency,
)

KIND_LABELS = {
    OrganisationKind.association: N_("Association / NGO"),
    OrganisationKind.foundation: N_("Foundation"),
    OrganisationKind.company: N_("Company"),
    OrganisationKind.municipality: N_("Municipality / district"),
    OrganisationKind.state_agency: N_("State agency"),
    OrganisationKind.other: N_("Other"),
}

LEVEL_LABELS = {
    FederalLevel.bund: N_("Federal (Bund)"),
    FederalLevel.land: N_("State (Land)"),
    FederalLevel.kommune: N_("Local (Kommune)"),
    FederalLevel.none: N_("No federal level"),
}

STATUS_LABELS = {
    OrganisationStatus.pending: N_("Pending"),
    OrganisationStatus.member: N_("Member"),
    OrganisationStatus.left: N_("Left"),
}

# What the audit log's action codes mean; an action without a label shows its code alone.
ACTION_LABELS = {
    "login": N_("Signed in"),
    "person.created": N_("Person created"),
    "person.removed": N_("Person removed"),
    "person.approved": N_("Person approved"),
    "role.organisation_admin.granted": N_("Made an organisation admin"),
    "role.organisation_admin.revoked": N_("No longer an organisation admin"),
    "role.moderator.granted": N_("Made a moderator"),
    "role.moderator.revoked": N_("No longer a moderator"),
    "join_request.created": N_("Join request sent"),
    "join_request.approved": N_("Join request approved"),
    "join_request.declined": N_("Join request declined"),
    "organisation.created": N_("Organisation created"),
    "provider.created": N_("Identity provider registered"),
    "provider.updated": N_("Identity provider changed"),
    "role.fund_committee.granted": N_("Put on the fund committee"),
    "role.fund_committee.revoked": N_("Taken off the fund committee"),
    "fund.pledge.recorded": N_("Pledge to the fund recorded"),
    "fund.request.submitted": N_("Funding request submitted"),
    "fund.request.updated": N_("Funding request changed"),
    "fund.request.info_requested": N_("More information asked for on a funding request"),
    "fund.request.approved": N_("Funding request approved"),
    "fund.request.declined": N_("Funding request declined"),
    "fund.request.withdrawn": N_("Funding request withdrawn"),
    "fund.request.payout": N_("Payout recorded"),
    "fund.request.reported": N_("Fund report published"),
}

CARD_KIND_LABELS = {
    CardKind.need: N_("Need"),
    CardKind.offer: N_("Offer"),
    CardKind.pledge: N_("Pledge"),
}

RESOURCE_LABELS = {
    ResourceKind.knowledge: N_("Knowledge"),
    ResourceKind.skills: N_("Skills"),
    ResourceKind.contacts: N_("Contacts"),
    ResourceKind.ideas: N_("Ideas"),
    ResourceKind.time: N_("Time"),
    ResourceKind.money: N_("Money"),
    ResourceKind.goods: N_("Goods"),
    ResourceKind.space: N_("Space"),
}

CARD_STATUS_LABELS = {
    CardStatus.open: N_("Open"),
    CardStatus.matched: N_("Matched"),
    CardStatus.in_progress: N_("In progress"),
    CardStatus.done: N_("Done"),
    CardStatus.archived: N_("Archived"),
}

# What a card can be moved to, as the button says it.
MOVE_LABELS = {
    CardStatus.open: N_("Reopen"),
    CardStatus.in_progress: N_("Mark in progress"),
    CardStatus.done: N_("Mark done"),
    CardStatus.archived: N_("Archive"),
}

URGENCY_LABELS = {
    Urgency.low: N_("Low"),
    Urgency.normal: N_("Normal"),
    Urgency.high: N_("High"),
    Urgency.critical: N_("Critical"),
}

# What a card's history entry says was done.
CARD_ACTION_LABELS = {
    "created": N_("created the card"),
    "edited": N_("edited"),
    "moved": N_("moved the card"),
    "matched": N_("matched the card"),
    "redeemed": N_("redeemed the pledge"),
    "redemption_confirmed": N_("confirmed a redemption"),
    "redemption_declined": N_("declined a redemption"),
    "redemption_reported": N_("reported on a redemption"),
}

# The names of the card fields, in the history and in conflict messages.
CARD_FIELD_LABELS = {
    "kind": N_("Kind of card"),
    "resource_kind": N_("Resource"),
    "urgency": N_("Urgency"),
    "title": N_("Title"),
    "description": N_("Description"),
    "quantity": N_("How much / how long"),
    "region": N_("Region"),
    "promise": N_("We promise …"),
    "condition": N_("… if someone helps with"),
    "helpers_needed": N_("Helpers needed"),
    "deadline": N_("Deadline"),
    "status": N_("Status"),
    "match": N_("Matched with"),
}
