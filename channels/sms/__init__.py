"""SMS providers behind one interface (``intake.sms_codes.CodeSender``), chosen by setting.

``console`` logs the message (development); ``aliyun`` sends through Alibaba Cloud SMS
(dysmsapi ``SendSms``). A provider is a small class registered here by its setting's value.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from channels.sms.aliyun import AliyunSms
from channels.sms.console import ConsoleSms, DisabledSms
from hotline.settings import Settings
from intake.sms_codes import CodeSender


class SmsProviderKind(StrEnum):
    CONSOLE = "console"
    ALIYUN = "aliyun"


_PROVIDERS: dict[SmsProviderKind, Callable[[Settings], CodeSender]] = {
    SmsProviderKind.CONSOLE: lambda _: ConsoleSms(),
    SmsProviderKind.ALIYUN: AliyunSms.of,
}


def provider_for(settings: Settings) -> CodeSender:
    """The provider the settings choose; one that refuses every send when SMS is off."""
    name = settings.effective_sms_provider
    if not name:
        return DisabledSms()
    return _PROVIDERS[SmsProviderKind(name)](settings)
