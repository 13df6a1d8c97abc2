"""Human names of the fixed vocabularies, as gettext message ids."""

from __future__ import annotations

from server.domain.errors import N_
from server.models import FederalLevel, OrganisationKind, OrganisationStatus

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
