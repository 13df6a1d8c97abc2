"""A funding request changed: the fund pages of its organisation and of the fund committee hear
it (a `fund` event with a polite announcement; each page fetches its own part again, which
holds each reader's own forms), and a decision or payout is told by e-mail after the commit."""

from __future__ import annotations

from starlette.requests import Request

from server.domain import channels, fund_trail
from server.models import FundingRequest
from server.templating import render_per_locale
from server.uow import UnitOfWork


async def emit_fund(
    request: Request,
    uow: UnitOfWork,
    funding: FundingRequest,
    announcement: str,
    *,
    mail: bool = False,
) -> None:
    """`announcement` is a message id that may name the request's `%(title)s`."""
    await uow.session.flush()
    data = render_per_locale(
        request.app.state.templates,
        "fund/_event.html",
        title=funding.title,
        announcement=announcement,
    )
    for channel in (
        channels.fund_channel(funding.organisation_id),
        channels.FUND_COMMITTEE_CHANNEL,
    ):
        await uow.emit(channel, "fund", data)
    if mail:
        step_id = await fund_trail.last_step_id(uow.session, funding.id)
        uow.enqueue("send_fund_mail", step_id, job_id=f"fund-step-{step_id}")
