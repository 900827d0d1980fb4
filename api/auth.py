"""FastAPI dependencies of the mobile API: the signed-in citizen and the configured services."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.deps import ConfigDep, SettingsDep, now
from channels import sms
from channels.app_links import LinkConfig
from channels.miniprogram import MiniProgramConfig
from intake.citizen_auth import CitizenPrincipal, TokenPolicy, authenticate
from intake.errors import Unauthorized
from intake.media import MediaLimits
from intake.my_tickets import UrgePolicy
from intake.sms_codes import CodeSender, SmsLimits
from intake.storage import MediaStorage, storage_for

_bearer = HTTPBearer(auto_error=False, description="Citizen access token (at_…)")


async def current_citizen(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> CitizenPrincipal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("missing bearer token")
    return await authenticate(
        token=credentials.credentials, secret_key=settings.secret_key, now=now()
    )


async def token_policy(settings: SettingsDep) -> TokenPolicy:
    return TokenPolicy.of(settings)


async def sms_limits(settings: SettingsDep) -> SmsLimits:
    return SmsLimits.of(settings)


async def sms_sender(settings: SettingsDep) -> CodeSender:
    return sms.provider_for(settings)


async def miniprogram_config(settings: SettingsDep) -> MiniProgramConfig:
    return MiniProgramConfig.of(settings)


async def media_limits(settings: SettingsDep) -> MediaLimits:
    return MediaLimits.of(settings)


async def media_storage(settings: SettingsDep) -> MediaStorage:
    return storage_for(settings)


async def link_config(settings: SettingsDep) -> LinkConfig:
    return LinkConfig.of(settings)


async def urge_policy(settings: SettingsDep, config: ConfigDep) -> UrgePolicy:
    return UrgePolicy(
        after_workdays=settings.urge_after_workdays,
        interval_hours=settings.urge_interval_hours,
        calendar=config.calendar,
    )


CitizenDep = Annotated[CitizenPrincipal, Depends(current_citizen)]
TokenPolicyDep = Annotated[TokenPolicy, Depends(token_policy)]
SmsLimitsDep = Annotated[SmsLimits, Depends(sms_limits)]
SmsSenderDep = Annotated[CodeSender, Depends(sms_sender)]
MiniProgramDep = Annotated[MiniProgramConfig, Depends(miniprogram_config)]
MediaLimitsDep = Annotated[MediaLimits, Depends(media_limits)]
MediaStorageDep = Annotated[MediaStorage, Depends(media_storage)]
LinkConfigDep = Annotated[LinkConfig, Depends(link_config)]
UrgePolicyDep = Annotated[UrgePolicy, Depends(urge_policy)]
