"""Who follows the account and may be messaged: subscriptions and the 48-hour window.

WeChat lets an account send customer-service messages only within 48 hours of the user's last
interaction (a message, a menu click, following, scanning a code), and nothing once they
unfollow. Both are known here, so a send that cannot succeed is refused before calling WeChat.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError

from channels.models import WechatUser
from channels.wechat_oa.errors import OutsideWindow, Unsubscribed
from intake import sql

WINDOW = timedelta(hours=48)


async def _user(openid: str) -> WechatUser:
    user = await WechatUser.get_or_none(openid=openid)
    if user is not None:
        return user
    try:
        return await WechatUser.create(openid=openid)
    except IntegrityError:  # a concurrent first push of the same user created it
        return await WechatUser.get(openid=openid)


async def touch(*, openid: str, at: datetime) -> str:
    """Record an interaction that opens the 48-hour window (only a follower can interact);
    the region the user is known by (from a regional QR code), or "".

    One upsert, as every message of every user passes here. The push's time is taken as the
    last interaction even if an older retry arrives late: WeChat retries within 15 seconds,
    nothing next to a 48-hour window.
    """
    found = await sql.rows(
        "INSERT INTO wechat_user (openid, subscribed, last_interaction_at, qr_scene, "
        "region_code, created_at) VALUES ($1, TRUE, $2, '', '', $3) "
        "ON CONFLICT (openid) DO UPDATE SET subscribed = TRUE, "
        "last_interaction_at = excluded.last_interaction_at "
        "RETURNING region_code",
        openid,
        sql.db_value(WechatUser, "last_interaction_at", at),
        sql.db_value(WechatUser, "created_at", datetime.now(UTC)),
    )
    return str(found[0]["region_code"])


async def subscribe(*, openid: str, at: datetime, scene: str = "", region: str = "") -> None:
    """Following (again), possibly through a parametric QR code ``scene``."""
    user = await _user(openid)
    user.subscribed = True
    user.subscribed_at = at
    user.last_interaction_at = max(at, user.last_interaction_at or at)
    fields = ["subscribed", "subscribed_at", "last_interaction_at"]
    if scene:
        user.qr_scene = scene[:64]
        fields.append("qr_scene")
    if region:
        user.region_code = region
        fields.append("region_code")
    await user.save(update_fields=fields)


async def scanned(*, openid: str, at: datetime, scene: str, region: str) -> None:
    """A follower scanned a parametric QR code: an interaction, and a hint of their region."""
    await touch(openid=openid, at=at)
    changes = {"qr_scene": scene[:64]} | ({"region_code": region} if region else {})
    await WechatUser.filter(openid=openid).update(**changes)


async def unsubscribe(*, openid: str, at: datetime) -> None:
    """Unfollowing: nothing more is sent to this user until they follow again."""
    user = await _user(openid)
    user.subscribed = False
    user.unsubscribed_at = at
    await user.save(update_fields=["subscribed", "unsubscribed_at"])


async def record_location(*, openid: str, latitude: float, longitude: float) -> None:
    """The position WeChat reports when the user opens the chat (if they allowed it)."""
    await WechatUser.filter(openid=openid).update(last_latitude=latitude, last_longitude=longitude)


async def ensure_reachable(*, openid: str, now: datetime) -> None:
    """Raise the permanent error WeChat would give, without asking WeChat."""
    user = await WechatUser.get_or_none(openid=openid)
    if user is None:
        return  # unknown here (e.g. followed before this service): let WeChat decide
    if not user.subscribed:
        raise Unsubscribed(43004, "user unsubscribed (known locally)")
    if user.last_interaction_at is None or now - user.last_interaction_at > WINDOW:
        raise OutsideWindow(45015, "outside the 48-hour window (known locally)")


async def is_subscribed(*, openid: str) -> bool:
    """False only when the user is known to have unfollowed."""
    user = await WechatUser.get_or_none(openid=openid)
    return user is None or user.subscribed
