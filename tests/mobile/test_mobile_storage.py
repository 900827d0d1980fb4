"""Media storage: the local folder, and the S3 client checked against AWS's published signing
examples and a fake S3 endpoint that verifies every signature."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from intake.mobile_models import MediaUpload
from intake.s3 import S3Storage, authorization, uri_encode
from intake.storage import LocalStorage, ObjectMissing, StorageError, check_key
from tests.mobile.conftest import DATA, sign_in_app
from tests.mobile.fakes import FakeAliyunSms, FakeS3

EMPTY = hashlib.sha256(b"").hexdigest()
DOC = {
    "access_key": "AKIAIOSFODNN7EXAMPLE",
    "secret_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "region": "us-east-1",
    "amz_date": "20130524T000000Z",
}
HOST = "examplebucket.s3.amazonaws.com"


def test_signature_v4_matches_the_aws_examples():
    get = authorization(
        method="GET",
        path="/test.txt",
        query=(),
        headers={
            "Host": HOST,
            "Range": "bytes=0-9",
            "x-amz-content-sha256": EMPTY,
            "x-amz-date": "20130524T000000Z",
        },
        payload_sha256=EMPTY,
        **DOC,
    )
    assert get == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )
    payload = hashlib.sha256(b"Welcome to Amazon S3.").hexdigest()
    put = authorization(
        method="PUT",
        path=uri_encode("/test$file.text", keep_slash=True),
        query=(),
        headers={
            "Date": "Fri, 24 May 2013 00:00:00 GMT",
            "Host": HOST,
            "x-amz-date": "20130524T000000Z",
            "x-amz-storage-class": "REDUCED_REDUNDANCY",
            "x-amz-content-sha256": payload,
        },
        payload_sha256=payload,
        **DOC,
    )
    assert put.endswith("98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    listing = authorization(
        method="GET",
        path="/",
        query=[("prefix", "J"), ("max-keys", "2")],
        headers={"Host": HOST, "x-amz-content-sha256": EMPTY, "x-amz-date": "20130524T000000Z"},
        payload_sha256=EMPTY,
        **DOC,
    )
    assert listing.endswith("34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")


def s3_for(fake: FakeS3, **changes: str) -> S3Storage:
    values = {
        "endpoint": fake.base_url,
        "bucket": fake.bucket,
        "region": fake.region,
        "access_key": fake.access_key,
        "secret_key": fake.secret_key,
        **changes,
    }
    return S3Storage(**values)  # type: ignore[arg-type]


async def test_s3_put_and_get_through_a_verifying_endpoint(fake_s3: FakeS3):
    storage = s3_for(fake_s3)
    data = (DATA / "photo.webp").read_bytes()
    await storage.put(key="mobile/2026/11/abc_1.webp", data=data, content_type="image/webp")
    assert fake_s3.objects["mobile/2026/11/abc_1.webp"] == (data, "image/webp")
    assert await storage.get(key="mobile/2026/11/abc_1.webp") == data
    with pytest.raises(ObjectMissing):
        await storage.get(key="mobile/2026/11/none.webp")
    with pytest.raises(StorageError):
        await s3_for(fake_s3, secret_key="wrong").put(
            key="mobile/x/y.jpg", data=b"x", content_type="image/jpeg"
        )
    with pytest.raises(StorageError):
        await s3_for(fake_s3, endpoint="http://127.0.0.1:9").get(key="mobile/x/y.jpg")


async def test_local_storage_round_trip_and_refuses_escaping_keys(tmp_path):
    storage = LocalStorage(tmp_path)
    await storage.put(key="mobile/2026/11/a.png", data=b"png", content_type="image/png")
    assert await storage.get(key="mobile/2026/11/a.png") == b"png"
    for key in ("../etc/passwd", "mobile/../../x", "/abs/path", "mobile", "mobile/a b"):
        with pytest.raises(ValueError):
            check_key(key)


@pytest.fixture
def overrides(fake_s3: FakeS3) -> dict[str, object]:
    return {
        "media_storage": "s3",
        "s3_endpoint_url": fake_s3.base_url,
        "s3_bucket": fake_s3.bucket,
        "s3_region": fake_s3.region,
        "s3_access_key_id": fake_s3.access_key,
        "s3_secret_access_key": fake_s3.secret_key,
    }


async def test_uploads_go_to_s3_when_configured(
    client: httpx.AsyncClient, fake_sms: FakeAliyunSms, fake_s3: FakeS3
):
    auth = await sign_in_app(client, fake_sms)
    audio = (DATA / "tone-2s.mp3").read_bytes()
    response = await client.post("/api/v1/media", headers=auth, files={"file": ("v.mp3", audio)})
    assert response.status_code == 201, response.text
    upload = await MediaUpload.get(id=response.json()["id"])
    assert upload.storage == "s3" and fake_s3.objects[upload.ref][0] == audio
    back = await client.get(f"/api/v1/media/{upload.id}", headers=auth)
    assert back.content == audio and back.headers["content-type"] == "audio/mpeg"
    fake_s3.fail_next(503, {"Error": "SlowDown"})
    down = await client.post("/api/v1/media", headers=auth, files={"file": ("v.mp3", audio)})
    assert down.status_code == 503 and down.json()["error"]["code"] == "media_unavailable"
