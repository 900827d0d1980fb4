"""Errors of the voice package. Callers map them to what a citizen or a platform is told."""

from __future__ import annotations


class VoiceError(Exception):
    """Base of every error raised on purpose by ``voice``."""


class AudioRejected(VoiceError):
    """Input audio we will not process. ``reason`` is stable for programs:

    ``empty``, ``too_large``, ``too_long``, ``unsupported`` (a format we do not take) or
    ``corrupt`` (a format we take, but the bytes do not decode).
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


class EngineUnavailable(VoiceError):
    """An engine cannot run here: its package is not installed, its model files are missing,
    or they fail verification. Permanent until an operator acts; retrying does not help."""


class SynthesisFailed(VoiceError):
    """A TTS engine produced no audio for a text."""
