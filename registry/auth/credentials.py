"""Random credentials and how they are stored.

Passwords are chosen by people, so they are hashed with argon2 (slow on purpose: a stolen hash
must be expensive to guess). Session ids and API tokens are 32 random bytes chosen by us: with
2**256 possibilities no amount of guessing helps, so a plain sha256 is enough to make a stolen
table useless, and it lets a request find its row by an indexed equality lookup in one query
(argon2 with a salt could not be looked up, and would cost ~50 ms on every API call)."""

import hashlib
import hmac
import secrets

TOKEN_PREFIX = "rgt_"  # recognisable in logs and by secret scanners
SECRET_BYTES = 32


def new_session_id() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def new_api_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(SECRET_BYTES)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def sign(key: str, message: str) -> str:
    return hmac.new(key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def signature_matches(key: str, message: str, signature: str) -> bool:
    return hmac.compare_digest(sign(key, message), signature)
