"""Where uploaded media live: a local folder by default, any S3-compatible store by setting.

Both implement ``MediaStorage``; a key (``mobile/2026/11/<random>.jpg``) is chosen by the caller
and kept on the upload row together with the backend's name, so files stored before a switch of
``HOTLINE_MEDIA_STORAGE`` are still found.
"""

from __future__ import annotations

import asyncio
import os
import re
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from hotline.settings import Settings

_KEY = re.compile(r"^[A-Za-z0-9_-]+(?:/[A-Za-z0-9_.-]+)+$")


class StorageKind(StrEnum):
    LOCAL = "local"
    S3 = "s3"


class StorageError(Exception):
    """The backend failed (unreachable, refused): the upload can be retried later."""


class ObjectMissing(StorageError):
    """No object under that key."""


class MediaStorage(Protocol):
    kind: StorageKind

    async def put(self, *, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, *, key: str) -> bytes: ...


def check_key(key: str) -> str:
    """Keys are ours, but one that could climb out of the media folder is refused anyway."""
    if not _KEY.fullmatch(key) or ".." in key:
        raise ValueError(f"bad media key {key!r}")
    return key


class LocalStorage:
    """Files under ``<data dir>/media`` (the same folder the channels' media use)."""

    kind = StorageKind.LOCAL

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put(self, *, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._write, self._path(key), data)

    async def get(self, *, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError as exc:
            raise ObjectMissing(key) from exc

    @staticmethod
    def _write(target: Path, data: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        partial.write_bytes(data)
        os.replace(partial, target)  # readers never see half a file


def storage_for(settings: Settings, kind: str | None = None) -> MediaStorage:
    """The backend named ``kind`` (default: the configured one)."""
    chosen = StorageKind(kind or settings.media_storage)
    if chosen is StorageKind.S3:
        from intake.s3 import S3Storage  # imports this module: loaded on first use

        return S3Storage.of(settings)
    return LocalStorage(settings.data_dir / "media")
