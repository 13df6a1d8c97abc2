"""The fund's whole trail as CSV for the donors: every pledge and every step of every request
the reader may see, oldest first (semicolons and a byte-order mark, so spreadsheet programs set
up for German open it as it is)."""

from __future__ import annotations

import csv
import io

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server import i18n
from server.domain import fund_trail, money
from server.routes.common import current_actor, read_session

# A cell starting with one of these is a formula to a spreadsheet program: it is quoted.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def trail_csv(rows: list[fund_trail.TrailRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            i18n.gettext("Date"),
            i18n.gettext("Person"),
            i18n.gettext("Organisation"),
            i18n.gettext("Request no."),
            i18n.gettext("Request"),
            i18n.gettext("Step"),
            i18n.gettext("Amount (EUR)"),
            i18n.gettext("Text"),
        ]
    )
    for row in rows:
        amount = "" if row.amount_cents is None else money.plain_euros(row.amount_cents)
        writer.writerow(
            [
                row.at.astimezone(i18n.DISPLAY_TIME_ZONE).isoformat(timespec="seconds"),
                safe_cell(row.person),
                safe_cell(row.organisation),
                "" if row.request_id is None else str(row.request_id),
                safe_cell(row.request),
                row.step,
                amount,
                safe_cell(row.text),
            ]
        )
    return "\ufeff" + buffer.getvalue()


async def export_trail(request: Request) -> Response:
    actor = await current_actor(request)
    async with read_session(request) as session:
        rows = await fund_trail.trail(session, actor)
    return Response(
        trail_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="foerderfonds-verlauf.csv"'},
    )


routes = [Route("/fund/export.csv", export_trail, name="fund_export")]
