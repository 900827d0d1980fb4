"""WeChat push signatures and the safe-mode (``encrypt_type=aes``) message encryption.

Written from the protocol description and checked against the shared known-answer vectors:

    signature      = sha1(''.join(sorted([token, timestamp, nonce])))
    msg_signature  = sha1(''.join(sorted([token, timestamp, nonce, Encrypt])))
    Encrypt        = base64(AES-256-CBC(key, iv=key[:16],
                        pkcs7_32(random16 + uint32_be(len(xml)) + xml + appid)))
    key            = base64decode(EncodingAESKey + '=')

Signatures are compared in constant time, so a forger learns nothing from response timing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

_BLOCK = 32  # WeChat pads to 32 bytes, not AES's 16


class DecryptError(ValueError):
    """The ciphertext does not open with this key, or is not for this app id."""


def sign(*parts: str) -> str:
    """The SHA-1 signature WeChat computes over the sorted parts."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def signature_matches(expected: str, given: str) -> bool:
    """Constant-time comparison of two hex signatures."""
    return hmac.compare_digest(expected.encode("ascii"), given.encode("ascii", "replace"))


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key behind a 43-character EncodingAESKey."""
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as exc:
        raise ValueError("EncodingAESKey is not base64") from exc
    if len(key) != 32:
        raise ValueError("EncodingAESKey must decode to 32 bytes")
    return key


def _pad(data: bytes) -> bytes:
    count = _BLOCK - len(data) % _BLOCK
    return data + bytes([count]) * count


def encrypt(plaintext: str, *, key: bytes, app_id: str, random16: bytes | None = None) -> str:
    """The base64 ``Encrypt`` value for ``plaintext``; ``random16`` is fixed only in tests."""
    prefix = random16 if random16 is not None else os.urandom(16)
    if len(prefix) != 16:
        raise ValueError("the random prefix must be 16 bytes")
    message = plaintext.encode("utf-8")
    block = prefix + struct.pack(">I", len(message)) + message + app_id.encode("utf-8")
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(_pad(block)) + encryptor.finalize()).decode("ascii")


def decrypt(encrypted: str, *, key: bytes, app_id: str) -> str:
    """The plaintext XML inside ``encrypted``; DecryptError unless it is well-formed and for
    ``app_id``."""
    try:
        raw = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DecryptError("Encrypt is not base64") from exc
    if not raw or len(raw) % 16:
        raise DecryptError("ciphertext length is not a multiple of the AES block")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    block = decryptor.update(raw) + decryptor.finalize()
    count = block[-1]
    if not 1 <= count <= _BLOCK or block[-count:] != bytes([count]) * count:
        raise DecryptError("bad padding")
    block = block[:-count]
    if len(block) < 20:
        raise DecryptError("ciphertext too short")
    (length,) = struct.unpack(">I", block[16:20])
    if 20 + length > len(block):
        raise DecryptError("declared length exceeds the ciphertext")
    body, owner = block[20 : 20 + length], block[20 + length :]
    if not hmac.compare_digest(owner, app_id.encode("utf-8")):
        raise DecryptError("message is for another app id")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecryptError("plaintext is not UTF-8") from exc
