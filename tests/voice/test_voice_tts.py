"""Speech out: espeak-ng Mandarin as 8 kHz telephone WAV; prompts rendered once and cached."""

from __future__ import annotations

import pytest

from hotline.settings import Settings
from tests.conftest import make_settings
from voice import tts
from voice.audio import read_wav
from voice.errors import EngineUnavailable

PROMPT = "您好，这里是12345热线回访。解决了请按1，没解决请按2。"


def test_telephone_wav_is_8k_mono_16bit_speech(settings: Settings):
    engine = tts.tts_engine_for(settings)
    data = tts.telephone_wav(engine, PROMPT)
    assert data.startswith(b"RIFF") and data[8:12] == b"WAVE"
    pcm = read_wav(data)
    assert pcm.rate == 8_000 and 3.0 < pcm.duration < 15.0


def test_a_prompt_is_rendered_once_and_found_by_id(settings: Settings, monkeypatch):
    name, path = tts.render_prompt(settings, PROMPT)
    first = path.read_bytes()
    assert path.parent == settings.data_dir / "voice" / "prompts"

    def no_second_rendering(*args, **kwargs):
        raise AssertionError("rendered twice")

    monkeypatch.setattr(tts, "telephone_wav", no_second_rendering)
    again, same = tts.render_prompt(settings, PROMPT)
    assert (again, same.read_bytes()) == (name, first)
    assert tts.cached_prompt(settings, name) == path
    for bad in ("../../etc/passwd", "A" * 32, name[:-1]):
        assert tts.cached_prompt(settings, bad) is None


def test_other_wording_or_voice_is_another_prompt(settings: Settings):
    base, _ = tts.render_prompt(settings, PROMPT)
    other_text, _ = tts.render_prompt(settings, PROMPT + "谢谢。")
    slower = make_settings(settings.data_dir, voice_espeak_speed=120)
    other_voice, _ = tts.render_prompt(slower, PROMPT)
    assert len({base, other_text, other_voice}) == 3


def test_unconfigured_engines_say_why(settings: Settings):
    for overrides in ({"voice_tts_engine": "festival"}, {"voice_tts_engine": "paddle"}):
        with pytest.raises(EngineUnavailable):
            tts.tts_engine_for(make_settings(settings.data_dir, **overrides))
