"""The shared WeChat vectors (shared/wechat-vectors) as known-answer tests: parsing, signatures,
decryption of a safe-mode push over HTTP, and the exact encrypted passive reply."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from channels.wechat_oa import crypto
from channels.wechat_oa.config import wechat_config
from channels.wechat_oa.parser import parse_push
from channels.wechat_oa.render import text_reply
from channels.wechat_oa.router import clock
from channels.wechat_oa.verify import Forged, Opened, open_push, seal
from hotline.settings import Settings
from intake.models import InboundMessage
from tests.channels.conftest import wechat_settings
from tests.channels.fake_wechat import FakeWechat

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "wechat-vectors"
if not VECTORS.is_dir():  # CI lays shared/ beside the clone
    VECTORS = Path(__file__).resolve().parents[2] / "shared" / "wechat-vectors"
pytestmark = pytest.mark.skipif(not VECTORS.is_dir(), reason="shared/wechat-vectors not found")


def load(name: str) -> str:
    return (VECTORS / name).read_text(encoding="utf-8")


def manifest() -> dict:
    return json.loads(load("manifest.json")) if VECTORS.is_dir() else {"plaintext": {}}


@pytest.fixture
def vector_settings(settings: Settings, fake_wechat: FakeWechat) -> Settings:
    data = json.loads(load("aes_request.json"))
    return wechat_settings(
        settings.data_dir,
        fake_wechat,
        wechat_token=data["token"],
        wechat_encoding_aes_key=data["encoding_aes_key"],
        wechat_app_id=data["appid"],
        wechat_previous_encoding_aes_key="",
    )


@pytest.mark.parametrize("name", sorted(manifest()["plaintext"]))
def test_every_plaintext_push_parses_to_the_expected_attributes(name: str):
    push = parse_push(load(name).encode())
    expected = manifest()["plaintext"][name]["expected_wechatpy_attrs"]
    assert {key: getattr(push, key, "<missing>") for key in expected} == expected
    key = push.dedup_key
    if manifest()["plaintext"][name]["dedup_key"] == "MsgId":
        assert key == str(expected["id"])
    else:
        assert key.startswith(f"{push.source}:{push.time}:")


def test_independent_implementation_matches_wechatpy_known_answer():
    # wechatpy tests/test_crypto.py, as quoted in gen_vectors.py
    key = crypto.aes_key("kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR")
    plaintext = (
        "<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n"
        "<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n"
        "<ToUserName><![CDATA[messense]]></ToUserName>\n<AgentID>1</AgentID>\n"
        "<CreateTime>1411525903</CreateTime>\n</xml>"
    )
    encrypted = crypto.encrypt(
        plaintext, key=key, app_id="wx49f0ab532d5d035a", random16=b"1234567890123456"
    )
    assert encrypted.startswith("9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYb")
    assert crypto.sign("123456", "1411525903", "461056294", encrypted) == (
        "407518b7649e86ef23978113f92d27afa9296533"
    )
    assert crypto.decrypt(encrypted, key=key, app_id="wx49f0ab532d5d035a") == plaintext


def test_aes_request_opens_to_the_plaintext_and_only_with_msg_signature(vector_settings):
    request = json.loads(load("aes_request.json"))
    config = wechat_config(vector_settings)
    query = request["query"]
    now = int(query["timestamp"])
    assert crypto.aes_key(request["encoding_aes_key"]).hex() == request["aes_key_hex"]
    opened = open_push(query, load("aes_request_body.xml").encode(), config, now=now)
    assert opened.encrypted and opened.xml.decode() == load("aes_plaintext.xml")
    with pytest.raises(Forged):  # the URL signature is not the message signature
        open_push(
            {**query, "msg_signature": query["signature"]},
            load("aes_request_body.xml").encode(),
            config,
            now=now,
        )


def test_encrypted_passive_reply_is_byte_identical_to_the_vector(vector_settings):
    meta = manifest()["aes"]
    config = wechat_config(vector_settings)
    xml = text_reply(
        to_user="oTestCitizen0000000000000001",
        from_user="gh_0123456789ab",
        create_time=int(meta["reply_timestamp"]),
        content="已收到您的语音，工单号 HL-20250101-0001。",
    )
    assert xml == load("aes_reply_plaintext.xml")
    opened = Opened(b"", crypto.aes_key(vector_settings.wechat_encoding_aes_key))
    sealed = seal(
        xml,
        opened,
        config,
        timestamp=meta["reply_timestamp"],
        nonce=meta["reply_nonce"],
        random16=b"Rnd16HotlineTest",
    )
    assert sealed == load("aes_reply_body.xml")


@pytest.fixture
async def vector_client(db, vector_settings: Settings):
    app = create_app(vector_settings, manage_db=False)
    stamp = int(json.loads(load("url_verify.json"))["query"]["timestamp"])
    app.dependency_overrides[clock] = lambda: lambda: datetime.fromtimestamp(stamp, UTC)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://wx.test") as client:
        yield client


async def test_url_verification_handshake(vector_client: httpx.AsyncClient):
    vector = json.loads(load("url_verify.json"))
    good = await vector_client.get("/channels/wechat", params=vector["query"])
    assert good.status_code == 200 and good.text == vector["expected_response_body"]
    forged = {**vector["query"], "signature": vector["bad_signature_example"]}
    bad = await vector_client.get("/channels/wechat", params=forged)
    assert bad.status_code == 403 and vector["query"]["echostr"] not in bad.text


async def test_plain_and_safe_mode_vectors_over_http(vector_client: httpx.AsyncClient):
    plain = json.loads(load("plain_request.json"))
    response = await vector_client.post(
        "/channels/wechat", params=plain["query"], content=load(plain["body_file"]).encode()
    )
    assert response.status_code == 200, response.text
    assert "<MsgType><![CDATA[text]]></MsgType>" in response.text  # a passive reply
    request = json.loads(load("aes_request.json"))
    response = await vector_client.post(
        "/channels/wechat", params=request["query"], content=load(request["body_file"]).encode()
    )
    assert response.status_code == 200, response.text
    assert "<Encrypt>" in response.text and "<MsgSignature>" in response.text
    assert "噪音" not in response.text  # the answer to an encrypted push is encrypted
    assert await InboundMessage.filter(channel="wechat").count() == 2
