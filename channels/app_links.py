"""Deep links into a ticket — ``https://<public host>/t/<token>`` — and the files that let the
city's app open them (``/.well-known/apple-app-site-association``, ``assetlinks.json``).

A link token is 24 random bytes (32 URL-safe characters); ``ticket_link`` keeps only its SHA-256,
with an expiry and a revocation time. Chosen over an HMAC-signed token because every link can be
revoked on its own (a citizen who forwarded one by mistake, staff after a complaint) without a
second table, a database dump opens nothing, and rotating ``HOTLINE_SECRET_KEY`` does not break
the links already sent. The token is random, so a plain hash suffices: no key to keep.

The page a link opens is read-only except for the evaluation form of a closed ticket: holding the
link is what a notification gives the citizen, and evaluating is what it asks them to do.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hotline.settings import Settings
from intake import sql
from intake.catalogue import current_language, speaking, text
from intake.citizen_requests import evaluate_ticket
from intake.errors import TicketNotFound
from intake.mobile_models import TicketLink
from intake.models import Ticket
from intake.my_tickets import EVALUABLE, own_ticket
from intake.progress import (
    LookupLimit,
    TicketView,
    normalize_number,
    read_by_phone_tail,
    view_from,
)
from intake.ticket_reads import TicketRead, read_ticket
from intake.workflow import Actor

APP_SCHEME = "hotline12345"
LINK_PATH = "/t/"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@dataclass(frozen=True)
class LinkConfig:
    public_base_url: str
    days: int
    ios_app_ids: tuple[str, ...]
    android_package: str
    android_cert_sha256: tuple[str, ...]

    @classmethod
    def of(cls, settings: Settings) -> LinkConfig:
        return cls(
            public_base_url=settings.public_base_url.rstrip("/"),
            days=settings.ticket_link_days,
            ios_app_ids=_csv(settings.app_ios_app_ids),
            android_package=settings.app_android_package,
            android_cert_sha256=_csv(settings.app_android_cert_sha256),
        )


@dataclass(frozen=True)
class IssuedLink:
    url: str
    app_url: str
    expires_at: datetime


@dataclass(frozen=True)
class TicketPage:
    """What the mobile page of a ticket shows."""

    view: TicketView
    satisfaction_name: str
    can_evaluate: bool
    app_url: str
    language: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def app_url(number: str, token: str = "") -> str:
    """The custom-scheme link the app registers: ``hotline12345://ticket/<number>``."""
    return f"{APP_SCHEME}://ticket/{number}" + (f"?t={token}" if token else "")


async def create_link(*, number: str, config: LinkConfig, now: datetime) -> IssuedLink:
    """A new link to the ticket (for a notification, or the citizen to keep)."""
    ticket = await Ticket.get_or_none(number=normalize_number(number))
    if ticket is None:
        raise TicketNotFound(number)
    return await _issue(ticket, config, now)


async def link_for_citizen(
    *, citizen_id: int, number: str, config: LinkConfig, now: datetime
) -> IssuedLink:
    return await _issue(await own_ticket(number=number, citizen_id=citizen_id), config, now)


async def _issue(ticket: Ticket, config: LinkConfig, now: datetime) -> IssuedLink:
    token = secrets.token_urlsafe(24)
    expires_at = now.astimezone(UTC) + timedelta(days=config.days)
    await TicketLink.create(ticket=ticket, token_digest=_digest(token), expires_at=expires_at)
    return IssuedLink(
        url=f"{config.public_base_url}{LINK_PATH}{token}",
        app_url=app_url(ticket.number, token),
        expires_at=expires_at,
    )


async def revoke_links(*, number: str, now: datetime, citizen_id: int | None = None) -> int:
    """Revoke every live link of a ticket (of this citizen's ticket, when one is given)."""
    if citizen_id is None:
        ticket = await Ticket.get_or_none(number=normalize_number(number))
        if ticket is None:
            raise TicketNotFound(number)
    else:
        ticket = await own_ticket(number=number, citizen_id=citizen_id)
    moment = now.astimezone(UTC)
    return await TicketLink.filter(ticket=ticket, revoked_at=None, expires_at__gt=moment).update(
        revoked_at=moment
    )


async def _read_linked(token: str, now: datetime) -> TicketRead | None:
    """The ticket behind a live link, read with everything its page shows in one statement."""
    if not _TOKEN.fullmatch(token):  # forged or truncated: no query needed
        return None
    read = await read_ticket(
        "l.token_digest = $1",
        _digest(token),
        joins="JOIN ticket_link l ON l.ticket_id = t.id",
        columns=", l.expires_at AS link_expires_at, l.revoked_at AS link_revoked_at",
    )
    if read is None or read.extra["link_revoked_at"] is not None:
        return None
    expires_at = sql.python_value(TicketLink, "expires_at", read.extra["link_expires_at"])
    return read if expires_at > now else None


async def _linked_ticket(token: str, now: datetime) -> Ticket | None:
    read = await _read_linked(token, now)
    return read.ticket if read is not None else None


def _page(read: TicketRead, token: str, language: str) -> TicketPage:
    ticket = read.ticket
    level = ticket.satisfaction
    with speaking(language):
        return TicketPage(
            view=view_from(read),
            satisfaction_name=text(f"mobile_satisfaction.{level}") if level else "",
            can_evaluate=bool(token) and ticket.status in EVALUABLE,
            app_url=app_url(ticket.number, token),
            language=language,
        )


async def page_for_token(*, token: str, now: datetime) -> TicketPage | None:
    """The page of a live link; None for an unknown, forged, expired or revoked one."""
    read = await _read_linked(token, now)
    # The link went out in a notification written in the citizen's language: so is the page.
    return _page(read, token, read.ticket.language) if read is not None else None


async def page_for_lookup(
    *, number: str, phone_tail: str, client_ip: str, per_minute: int, now: datetime
) -> TicketPage:
    """The page found by number + last four digits of the phone (read-only).

    Shares its limits with ``GET /api/v1/progress``, so the page is no second way to try the
    10,000 tails of a number.
    """
    limit = LookupLimit(client_ip=client_ip, per_minute=per_minute, now=now)
    read = await read_by_phone_tail(number=number, phone_tail=phone_tail, limit=limit)
    return _page(read, "", current_language())  # the language of the form it answers


async def evaluate_by_link(*, token: str, satisfaction: str, comment: str, now: datetime) -> bool:
    """The evaluation form of the page; False when the link is not (any longer) valid."""
    ticket = await _linked_ticket(token, now)
    if ticket is None:
        return False
    actor = Actor("citizen", f"link:{_digest(token)[:12]}")
    await evaluate_ticket(ticket=ticket, satisfaction=satisfaction, comment=comment, actor=actor)
    return True


def apple_app_site_association(config: LinkConfig) -> dict[str, Any] | None:
    """Universal links for the iOS app: ``/t/*`` opens in the app when it is installed."""
    if not config.ios_app_ids:
        return None
    return {
        "applinks": {
            "apps": [],
            "details": [
                {
                    "appIDs": list(config.ios_app_ids),
                    "components": [{"/": f"{LINK_PATH}*", "comment": "ticket links"}],
                }
            ],
        }
    }


def assetlinks(config: LinkConfig) -> list[dict[str, Any]] | None:
    """Android App Links: the app signed with these certificates handles the site's links."""
    if not config.android_package or not config.android_cert_sha256:
        return None
    return [
        {
            "relation": ["delegate_permission/common.handle_all_urls"],
            "target": {
                "namespace": "android_app",
                "package_name": config.android_package,
                "sha256_cert_fingerprints": list(config.android_cert_sha256),
            },
        }
    ]
