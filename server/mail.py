"""Sending e-mail through the configured SMTP server."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses, make_msgid

from server.settings import Settings

UNDISCLOSED = "undisclosed-recipients:;"


@dataclass(frozen=True)
class Attachment:
    data: bytes
    maintype: str
    subtype: str
    filename: str


def compose(
    settings: Settings,
    to: list[str],
    subject: str,
    body: str,
    *,
    bcc: Sequence[str] = (),
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    """A plain-text message; `bcc` recipients see neither each other nor themselves listed
    (without `to` the message says it went to undisclosed recipients)."""
    message = EmailMessage()
    message["From"] = settings.MAIL_FROM
    message["To"] = ", ".join(to) if to else UNDISCLOSED
    if bcc:
        message["Bcc"] = ", ".join(bcc)
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="knotenpunkt.local")
    message.set_content(body)
    for attachment in attachments:
        message.add_attachment(
            attachment.data,
            maintype=attachment.maintype,
            subtype=attachment.subtype,
            filename=attachment.filename,
        )
    return message


def envelope_recipients(message: EmailMessage) -> list[str]:
    """Every address of To, Cc and Bcc (a group like `undisclosed-recipients:;` has none)."""
    fields = [str(value) for name in ("To", "Cc", "Bcc") for value in message.get_all(name, [])]
    return [address for _name, address in getaddresses(fields) if address]


async def send(settings: Settings, message: EmailMessage) -> None:
    def _send() -> None:
        with smtplib.SMTP(settings.SMTP_HOST, settings.smtp_port, timeout=15) as smtp:
            smtp.send_message(message, to_addrs=envelope_recipients(message))

    await asyncio.to_thread(_send)
