"""Personal data: masking, ID-number checks and keyed hashing. Nothing here keeps a full value.

Names are stored as ``张*`` (the surname and one star); an 18-digit resident ID number (GB 11643) is checked, then stored as its
first 6 + ``********`` + last 4 characters plus an HMAC-SHA256 of the whole number (key
``ID_HASH_KEY``), which lets a later import recognise the same person without the number being stored.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
MASKED_ID = re.compile(r"^\d{6}\*{8}\d{3}[\dX]$")
FULL_ID = re.compile(r"^\d{17}[\dX]$")
DEMO_HASH_KEY = "demo-only: set ID_HASH_KEY in production"


def hash_key() -> bytes:
    return os.environ.get("ID_HASH_KEY", DEMO_HASH_KEY).encode()


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]


def valid_id_number(number: str) -> bool:
    """An 18-character resident ID number with a real birth date and the right check character."""
    if not FULL_ID.match(number):
        return False
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return check_digit(number[:17]) == number[17]


def mask_id(number: str) -> str:
    return number[:6] + "*" * 8 + number[-4:]


def hash_id(number: str) -> str:
    return hmac.new(hash_key(), number.encode(), hashlib.sha256).hexdigest()


def mask_name(name: str) -> str:
    name = name.strip()
    if not name or (len(name) > 1 and set(name[1:]) == {"*"}):
        return name  # empty, or already masked
    return name[0] + "*"  # one star whatever the length: the length says something too


def is_masked_name(name: str) -> bool:
    return len(name) >= 2 and set(name[1:]) == {"*"}
