"""Keyed digests and encryption for personal data (phone numbers), derived from the secret key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken


def _derive(secret_key: str, purpose: str) -> bytes:
    return hmac.new(secret_key.encode(), purpose.encode(), hashlib.sha256).digest()


def digest(value: str, *, secret_key: str, purpose: str = "phone") -> str:
    """A stable keyed digest for equality lookups without storing the value in clear."""
    return hmac.new(_derive(secret_key, purpose), value.encode(), hashlib.sha256).hexdigest()


def encrypt(value: str, *, secret_key: str) -> str:
    key = base64.urlsafe_b64encode(_derive(secret_key, "encrypt"))
    return Fernet(key).encrypt(value.encode()).decode()


def decrypt(token: str, *, secret_key: str) -> str:
    key = base64.urlsafe_b64encode(_derive(secret_key, "encrypt"))
    try:
        return Fernet(key).decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a rotated key: the caller decides what to show
        raise ValueError("cannot decrypt with the current secret key") from exc


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def hash_password(password: str, *, iterations: int = 240_000) -> str:
    salt = secrets.token_hex(16)
    dk = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${dk.hex()}"


def verify_password(password: str, encoded: str) -> bool:
    try:
        algorithm, iterations, salt, expected = encoded.split("$")
    except ValueError:
        return False
    if algorithm != "pbkdf2_sha256":
        return False
    dk = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(iterations))
    return hmac.compare_digest(dk.hex(), expected)
