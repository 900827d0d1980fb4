"""Uploads: the type comes from the content, sizes and lengths are limited, files are private."""

from __future__ import annotations

import httpx
import pytest

from intake.media_formats import UnreadableMedia, duration_seconds, sniff
from intake.mobile_models import MediaUpload
from tests.mobile.builders import amr, silk, wav
from tests.mobile.conftest import DATA, error_of, sign_in_app, sign_in_mp
from tests.mobile.fakes import FakeAliyunSms, FakeWechatLogin

UPLOAD = "/api/v1/media"


@pytest.mark.parametrize(
    ("name", "data", "kind", "mime", "seconds"),
    [
        ("photo.jpg", (DATA / "photo.jpg").read_bytes(), "image", "image/jpeg", None),
        ("photo.png", (DATA / "photo.png").read_bytes(), "image", "image/png", None),
        ("photo.webp", (DATA / "photo.webp").read_bytes(), "image", "image/webp", None),
        ("voice.mp3", (DATA / "tone-2s.mp3").read_bytes(), "audio", "audio/mpeg", 2.0),
        ("voice.m4a", (DATA / "tone-3s.m4a").read_bytes(), "audio", "audio/mp4", 3.0),
        ("voice.aac", (DATA / "tone-2s.aac").read_bytes(), "audio", "audio/aac", 2.0),
        ("voice.wav", wav(1.5), "audio", "audio/wav", 1.5),
        ("voice.amr", amr(4), "audio", "audio/amr", 4.0),
        ("voice.silk", silk(3), "audio", "audio/silk", 3.0),
    ],
)
def test_formats_are_recognised_from_their_bytes(name, data, kind, mime, seconds):
    sniffed = sniff(data)
    assert sniffed is not None and (sniffed.kind, sniffed.content_type) == (kind, mime)
    if seconds is not None:
        # Encoders pad a little: within a quarter of a second.
        assert abs(duration_seconds(data, mime, stop_after=600) - seconds) < 0.25


def test_garbage_is_not_media():
    assert sniff(b"%PDF-1.7\n") is None
    assert sniff(b"<html><script>alert(1)</script>") is None
    assert sniff(b"MZ\x90\x00") is None
    assert sniff(b"") is None
    with pytest.raises(UnreadableMedia):
        duration_seconds(
            b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"not frames", "audio/mpeg", stop_after=60
        )
    with pytest.raises(UnreadableMedia):
        duration_seconds(b"\x00\x00\x00\x10ftypM4A \x00\x00\x00\x00", "audio/mp4", stop_after=60)


async def test_upload_pictures_and_recordings(client: httpx.AsyncClient, fake_sms: FakeAliyunSms):
    auth = await sign_in_app(client, fake_sms)
    photo = (DATA / "photo.jpg").read_bytes()
    # The client says PNG and names it .png: the bytes say JPEG, and the bytes win.
    response = await client.post(
        UPLOAD, headers=auth, files={"file": ("x.png", photo, "image/png")}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["kind"] == "image" and body["content_type"] == "image/jpeg"
    assert body["size"] == len(photo)
    voice = await client.post(
        UPLOAD, headers=auth, files={"file": ("v", amr(5), "application/octet-stream")}
    )
    assert voice.status_code == 201 and voice.json()["duration_ms"] == 5000
    back = await client.get(f"{UPLOAD}/{body['id']}", headers=auth)
    assert back.status_code == 200 and back.content == photo
    assert back.headers["content-type"] == "image/jpeg"
    stored = await MediaUpload.get(id=body["id"])
    assert stored.storage == "local" and stored.ref.endswith(".jpg")


async def test_wrong_types_are_refused_whatever_the_name(
    client: httpx.AsyncClient, fake_sms: FakeAliyunSms
):
    auth = await sign_in_app(client, fake_sms)
    for name, data, declared in [
        ("photo.jpg", b"<svg onload=alert(1)>", "image/jpeg"),
        ("voice.amr", b"MZ\x90\x00 an executable", "audio/amr"),
        ("scan.pdf", b"%PDF-1.7\n...", "application/pdf"),
        ("a.gif", b"GIF89a\x01\x00\x01\x00", "image/gif"),
        ("empty.jpg", b"", "image/jpeg"),
    ]:
        response = await client.post(UPLOAD, headers=auth, files={"file": (name, data, declared)})
        assert response.status_code == 415, name
        error = error_of(response)
        assert error["code"] == "media_unsupported" and "JPG" in error["message"]
    assert await MediaUpload.all().count() == 0


@pytest.fixture
def overrides() -> dict[str, object]:
    return {"media_max_image_bytes": 2 * 1024 * 1024, "media_max_audio_seconds": 60}


async def test_oversized_and_over_long_uploads_are_refused(
    client: httpx.AsyncClient, fake_sms: FakeAliyunSms
):
    auth = await sign_in_app(client, fake_sms)
    big = (DATA / "photo.jpg").read_bytes() + bytes(2 * 1024 * 1024)
    too_big = await client.post(UPLOAD, headers=auth, files={"file": ("big.jpg", big, "")})
    assert too_big.status_code == 413 and error_of(too_big)["code"] == "media_too_large"
    assert "2MB" in error_of(too_big)["message"]
    # Far beyond any limit: the body is refused before it is read at all.
    huge = bytes(12 * 1024 * 1024)
    refused = await client.post(UPLOAD, headers=auth, files={"file": ("huge.jpg", huge, "")})
    assert refused.status_code == 413 and error_of(refused)["code"] == "too_large"
    too_long = await client.post(UPLOAD, headers=auth, files={"file": ("v.amr", amr(61), "")})
    assert too_long.status_code == 422 and error_of(too_long)["code"] == "media_too_long"
    assert "60秒" in error_of(too_long)["message"]
    # 2 MB of one-byte "no data" AMR frames would take long to walk: stopped at the limit.
    padded = b"#!AMR\n" + bytes([15 << 3]) * (2 * 1024 * 1024)
    slow = await client.post(UPLOAD, headers=auth, files={"file": ("s.amr", padded, "")})
    assert slow.status_code == 422
    assert await MediaUpload.all().count() == 0


async def test_uploads_are_private(
    client: httpx.AsyncClient, fake_sms: FakeAliyunSms, fake_wechat: FakeWechatLogin
):
    owner = await sign_in_app(client, fake_sms)
    stranger = await sign_in_mp(client, fake_wechat)
    photo = (DATA / "photo.png").read_bytes()
    media_id = (
        await client.post(UPLOAD, headers=owner, files={"file": ("p.png", photo, "")})
    ).json()["id"]
    other = await client.get(f"{UPLOAD}/{media_id}", headers=stranger)
    unknown = await client.get(f"{UPLOAD}/{media_id + 999}", headers=stranger)
    assert other.status_code == unknown.status_code == 404
    assert error_of(other)["code"] == error_of(unknown)["code"] == "media_not_found"
    assert (await client.get(f"{UPLOAD}/{media_id}")).status_code == 401
    anonymous = await client.post(UPLOAD, files={"file": ("p.png", photo, "")})
    assert anonymous.status_code == 401
