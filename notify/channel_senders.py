"""The notify ``Sender`` of each channel: a thin translation to that channel's own sender and
its typed errors. Registered in ``install_senders`` for the channels the settings enable."""

from __future__ import annotations

from datetime import UTC, datetime

from hotline.settings import Settings
from intake.catalogue import text
from intake.messages import Button, Reply
from notify.recipients import PHONE_CALL
from notify.senders import DeliveryError, OutboundMessage, register, unregister_all


def _buttons(message: OutboundMessage) -> tuple[Button, ...]:
    return tuple(Button(label, reply) for label, reply in message.buttons)


class TelegramNotifier:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, *, address: str, message: OutboundMessage, dedup_key: str) -> None:
        from channels.telegram.client import open_bot
        from channels.telegram.config import telegram_config
        from channels.telegram.errors import RetriableTelegramError, TelegramError
        from channels.telegram.outbound import TelegramSender

        try:
            async with open_bot(telegram_config(self.settings)) as bot:
                await TelegramSender(bot).send_text(
                    chat_id=address,
                    text=message.text,
                    buttons=_buttons(message),
                    dedup_key=dedup_key,
                )
        except RetriableTelegramError as exc:
            raise DeliveryError(exc.message, permanent=False, retry_after=exc.retry_after) from exc
        except TelegramError as exc:
            raise DeliveryError(exc.message, permanent=True) from exc


class WechatNotifier:
    """Customer-service message while the 48-hour window is open; a template message (ticket
    accepted / replied / closed) once it has closed; otherwise the next channel."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, *, address: str, message: OutboundMessage, dedup_key: str) -> None:
        from channels.wechat_oa.client import WechatApi
        from channels.wechat_oa.config import wechat_config
        from channels.wechat_oa.errors import OutsideWindow, RetriableWechatError, WechatError
        from channels.wechat_oa.outbound import TEMPLATE_EVENTS, WechatSender

        config = wechat_config(self.settings)
        reply = Reply(message.text, buttons=_buttons(message), ticket_number=message.ticket_number)
        try:
            async with WechatApi(config) as api:
                sender = WechatSender(api, config)
                try:
                    await sender.send_reply(openid=address, reply=reply, dedup_key=dedup_key)
                except OutsideWindow:
                    if message.purpose not in TEMPLATE_EVENTS:
                        raise
                    await sender.send_template(
                        openid=address,
                        event=message.purpose,
                        ticket_number=message.ticket_number,
                        status=text(f"notify.template_status_{message.purpose}"),
                        at=datetime.now(UTC),
                        dedup_key=f"{dedup_key}:template",
                    )
        except RetriableWechatError as exc:
            raise DeliveryError(str(exc), permanent=False, retry_after=exc.retry_after) from exc
        except WechatError as exc:
            raise DeliveryError(str(exc), permanent=True) from exc


class MiniProgramNotifier:
    """A subscribe message, spending one of the citizen's grants of that template; without a
    grant (or a template for this notification) the next channel at once."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, *, address: str, message: OutboundMessage, dedup_key: str) -> None:
        from channels.miniprogram_subscribe import send_ticket_notice
        from channels.wechat_oa.errors import RetriableWechatError, WechatError
        from intake.models import Ticket
        from notify.miniprogram_notices import notice_for

        # ``address`` is the newest mini-program openid; the grant names the openid it was
        # given to, which is the one WeChat accepts the message for.
        ticket = await Ticket.get(number=message.ticket_number)
        if ticket.citizen_id is None:  # type: ignore[attr-defined]
            raise DeliveryError("ticket has no citizen", permanent=True)
        notice = await notice_for(ticket=ticket, purpose=message.purpose, at=datetime.now(UTC))
        try:
            await send_ticket_notice(
                settings=self.settings,
                citizen_id=ticket.citizen_id,  # type: ignore[attr-defined]
                notice=notice,
                # The official account keys its rows by the same notification: keep apart.
                dedup_key=f"{dedup_key}:miniprogram",
            )
        except RetriableWechatError as exc:
            raise DeliveryError(str(exc), permanent=False, retry_after=exc.retry_after) from exc
        except WechatError as exc:
            raise DeliveryError(str(exc), permanent=True) from exc


class PhoneCallNotifier:
    """A survey by phone: a call task the call-centre platform pulls. Only surveys go this way
    (the prompt asks the survey's questions); anything else falls through to the next channel."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, *, address: str, message: OutboundMessage, dedup_key: str) -> None:
        from notify.voice_surveys import request_call

        if message.survey_id is None:
            raise DeliveryError("a phone call carries only a survey", permanent=True)
        await request_call(
            survey_id=message.survey_id,
            phone=address,
            ticket_number=message.ticket_number,
            dedup_key=dedup_key,
            settings=self.settings,
        )


class SmsNotifier:
    """The last resort: a text message to the contact phone given when filing."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, *, address: str, message: OutboundMessage, dedup_key: str) -> None:
        from channels.sms import provider_for
        from intake.sms_codes import SmsRejected, SmsSendFailed

        provider = provider_for(self.settings)
        # The notification row is claimed before this call, which is what keeps it to one SMS.
        try:
            await provider.send_notice(phone=address, text=message.text)  # type: ignore[attr-defined]
        except SmsRejected as exc:
            raise DeliveryError(str(exc), permanent=True) from exc
        except SmsSendFailed as exc:
            raise DeliveryError(str(exc), permanent=False) from exc


def install_senders(settings: Settings) -> None:
    # Exactly the channels these settings enable: one switched off since the last install (or
    # by another app in the same process) must not stay in the fallback chain.
    unregister_all()
    register("sms", SmsNotifier)
    if settings.telegram_enabled:
        register("telegram", TelegramNotifier)
    if settings.wechat_enabled:
        register("wechat", WechatNotifier)
    if settings.miniprogram_app_id:
        register("miniprogram", MiniProgramNotifier)
    if settings.voice_call_enabled:
        register(PHONE_CALL, PhoneCallNotifier)
