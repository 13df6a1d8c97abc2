"""Sending e-mail through the configured SMTP server."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from server.settings import Settings


def compose(settings: Settings, to: list[str], subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.MAIL_FROM
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="knotenpunkt.local")
    message.set_content(body)
    return message


async def send(settings: Settings, message: EmailMessage) -> None:
    def _send() -> None:
        with smtplib.SMTP(settings.SMTP_HOST, settings.smtp_port, timeout=15) as smtp:
            smtp.send_message(message)

    await asyncio.to_thread(_send)
