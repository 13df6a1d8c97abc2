from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, Timestamped

if TYPE_CHECKING:
    from server.models.organisations import Organisation

ISSUER_MAX = 500
DOMAIN_MAX = 253


class IdentityProvider(Timestamped, Base):
    """A member organisation's OpenID Connect provider: its people sign in through it.

    The client secret is kept to redeem authorisation codes; no page ever shows it.
    An empty `email_domains` list means the provider vouches for any address.
    """

    __tablename__ = "identity_providers"
    __table_args__ = (
        UniqueConstraint("issuer", "organisation_id", name="uq_identity_providers_issuer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    issuer: Mapped[str] = mapped_column(String(ISSUER_MAX))
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret: Mapped[str] = mapped_column(String(500))
    email_domains: Mapped[list[str]] = mapped_column(
        ARRAY(String(DOMAIN_MAX)), default=list, server_default="{}"
    )
    enabled: Mapped[bool] = mapped_column(default=True, server_default="true")

    organisation: Mapped[Organisation] = relationship()

    def accepts_domain(self, domain: str) -> bool:
        return not self.email_domains or domain.lower() in self.email_domains
