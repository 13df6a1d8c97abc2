"""Who may do what. Every rule lives here, so routes, live subscriptions and jobs obey the same.

- Nobody anonymous sees anything of the alliance but the sign-in and the health check.
- Every signed-in person of a member organisation sees the fields of action, the working
  groups with their live pages, and the organisation directory.
- A person may add their own organisation to a working group; the group's moderators and the
  alliance admins may add any member organisation.
- Only alliance admins add organisations directly (others come in through a join request),
  decide join requests, register identity providers and read the audit log.
- Someone who came in by a first sign-in through their organisation's provider takes part once
  an admin of their organisation (or of the alliance) approved them.
- Organisation admins manage (approve, remove) the people of their own organisation; alliance
  admins those of every organisation. Nobody removes themselves.
- The alliance fund: every member sees its totals; a funding request is seen by its own
  organisation's people and the fund committee only. The committee records pledges, decides
  and pays out, never on a request of its own organisation. Alliance admins name the committee.
"""

from __future__ import annotations

from server.domain.actors import Actor
from server.domain.errors import N_, NotAllowed


class SignInRequired(NotAllowed):
    message = N_("Please sign in first.")


class AwaitingApproval(NotAllowed):
    message = N_(
        "You are signed in, but an admin of your organisation has not approved your account "
        "yet. You will be able to take part once they have."
    )


def require_signed_in(actor: Actor) -> None:
    if actor.is_anonymous:
        raise SignInRequired()


def require_member(actor: Actor) -> None:
    """A signed-in, approved person of a member organisation."""
    require_signed_in(actor)
    if not actor.is_approved:
        raise AwaitingApproval()


def require_alliance_admin(actor: Actor) -> None:
    require_member(actor)
    if not actor.is_alliance_admin:
        raise NotAllowed(N_("Only alliance admins may do this."))


def may_add_any_organisation_to(actor: Actor, group_id: int) -> bool:
    return actor.is_alliance_admin or actor.moderates(group_id)


def require_may_add_to_group(actor: Actor, group_id: int, organisation_id: int) -> None:
    require_member(actor)
    if organisation_id != actor.organisation_id and not may_add_any_organisation_to(
        actor, group_id
    ):
        raise NotAllowed(
            N_("You may add your own organisation; the group's moderators may add others.")
        )


def may_manage_people_of(actor: Actor, organisation_id: int) -> bool:
    """Alliance admins manage everyone; organisation admins the people of their own."""
    return actor.is_alliance_admin or (
        actor.is_organisation_admin and actor.organisation_id == organisation_id
    )


def require_may_manage_people_of(actor: Actor, organisation_id: int) -> None:
    require_member(actor)
    if not may_manage_people_of(actor, organisation_id):
        raise NotAllowed(N_("Only the organisation's admins may manage its people."))


def may_use_board(actor: Actor, group_id: int, member_organisation_ids: set[int]) -> bool:
    """A group's board is for the people of its organisations, its moderators and the
    alliance admins."""
    return (
        actor.is_alliance_admin
        or actor.moderates(group_id)
        or actor.organisation_id in member_organisation_ids
    )


def require_board_access(actor: Actor, group_id: int, member_organisation_ids: set[int]) -> None:
    require_member(actor)
    if not may_use_board(actor, group_id, member_organisation_ids):
        raise NotAllowed(N_("This board is for the organisations of the working group."))


def require_fund_committee(actor: Actor) -> None:
    require_member(actor)
    if not actor.is_fund_committee:
        raise NotAllowed(N_("Only the fund committee may do this."))


def may_see_funding_request(actor: Actor, organisation_id: int) -> bool:
    return actor.is_fund_committee or actor.organisation_id == organisation_id


def require_may_decide_funding_request(actor: Actor, organisation_id: int) -> None:
    """The committee decides and pays out, but nobody on a request of their own organisation."""
    require_fund_committee(actor)
    if actor.organisation_id == organisation_id:
        raise NotAllowed(N_("Nobody decides on or pays out a request of their own organisation."))
