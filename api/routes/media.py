"""Uploads of pictures and recordings by signed-in citizens (wx.uploadFile, the app)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Path, UploadFile
from fastapi.responses import Response

from api.auth import CitizenDep, MediaLimitsDep, MediaStorageDep
from api.deps import SettingsDep, now
from api.mobile_schemas import MediaOut
from intake import media

router = APIRouter(prefix="/api/v1/media", tags=["mobile: media"])


@router.post(
    "",
    response_model=MediaOut,
    status_code=201,
    summary="Upload a picture (jpeg/png/webp) or a recording (amr/mp3/m4a/aac/wav/silk)",
    description="Multipart field `file`. The type is read from the content, not from the name "
    "or Content-Type; wrong types are 415, oversized files 413, over-long recordings 422. "
    "Attach the returned `id` when filing (`media_ids`) or supplementing.",
)
async def upload(
    file: Annotated[UploadFile, File(description="the picture or recording")],
    citizen: CitizenDep,
    limits: MediaLimitsDep,
    storage: MediaStorageDep,
) -> MediaOut:
    stored = await media.accept_upload(
        citizen_id=citizen.citizen_id,
        data=await file.read(),
        limits=limits,
        storage=storage,
        now=now(),
    )
    return MediaOut(
        id=stored.id,
        kind=stored.kind,
        content_type=stored.content_type,
        size=stored.size,
        duration_ms=stored.duration_ms,
    )


@router.get(
    "/{media_id}",
    summary="One of my uploads",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "audio/mpeg": {}}}},
)
async def download(
    media_id: Annotated[int, Path(ge=1)], citizen: CitizenDep, settings: SettingsDep
) -> Response:
    content = await media.read_upload(
        citizen_id=citizen.citizen_id, media_id=media_id, settings=settings
    )
    return Response(
        content.data,
        media_type=content.content_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
