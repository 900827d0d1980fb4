"""Citizens and their identities on each channel."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from hotline import crypto
from intake.models import ChannelIdentity, Citizen
from intake.pii import mask_phone


async def citizen_for(*, channel: str, external_id: str) -> Citizen:
    """The citizen behind a channel identity, created on first contact."""
    identity = await ChannelIdentity.get_or_none(
        channel=channel, external_id=external_id
    ).select_related("citizen")
    if identity is not None:
        return identity.citizen
    try:
        async with in_transaction():
            citizen = await Citizen.create()
            await ChannelIdentity.create(channel=channel, external_id=external_id, citizen=citizen)
            return citizen
    except IntegrityError:
        # Two first messages raced: the other one created the identity.
        identity = await ChannelIdentity.get(
            channel=channel, external_id=external_id
        ).select_related("citizen")
        return identity.citizen


async def remember_phone(*, citizen: Citizen, phone: str, secret_key: str) -> None:
    """Keep the last contact phone a citizen gave, so the next filing can offer it."""
    citizen.phone_digest = crypto.digest(phone, secret_key=secret_key)
    citizen.phone_encrypted = crypto.encrypt(phone, secret_key=secret_key)
    citizen.phone_masked = mask_phone(phone)
    await citizen.save(update_fields=["phone_digest", "phone_encrypted", "phone_masked"])


def known_phone(citizen: Citizen, *, secret_key: str) -> str | None:
    if not citizen.phone_encrypted:
        return None
    try:
        return crypto.decrypt(citizen.phone_encrypted, secret_key=secret_key)
    except ValueError:
        return None
