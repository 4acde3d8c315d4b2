"""Personal data: masking, ID-number checks and keyed hashing. Nothing here keeps a full value.

Names are stored as ``张*`` (the surname and one star); an 18-digit resident ID number (GB 11643) is checked, then stored as its
first 6 + ``********`` + last 4 characters plus an HMAC-SHA256 of the whole number (key
``ID_HASH_KEY``), which lets a later import recognise the same person without the number being stored.
Phone numbers are masked as ``138****5678``. :func:`scrub` masks any ID or phone number written inside
free text (a project name, a problem report), so none is stored, shown or exported whole.
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
# Inside text: an 18-character ID number, a mobile or a landline number.
ID_IN_TEXT = re.compile(r"(?<![\dA-Za-z])(\d{17}[\dXx])(?![\dA-Za-z])")
PHONE_IN_TEXT = re.compile(
    r"(?<![\dA-Za-z])(?:\+?86[- ]?)?(1[3-9]\d[- ]?\d{4}[- ]?\d{4}|0\d{2,3}-?\d{7,8})(?![\dA-Za-z])")
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


def mask_phone(number: str) -> str:
    """``13812345678`` → ``138****5678``; ``0851-86123456`` → ``0851-****3456``."""
    if number.startswith("1"):
        digits = re.sub(r"\D", "", number)
        return digits[:3] + "****" + digits[-4:]
    area, _, local = number.partition("-")
    if not local:
        area, local = number[:4], number[4:]
    return f"{area}-****{local[-4:]}"


def scrub(text):
    """``text`` with every valid ID number and every phone number in it masked (a code that merely has 18
    digits, like a person code, stays); anything not a string passes."""
    if not isinstance(text, str) or not any(ch.isdigit() for ch in text):
        return text
    text = ID_IN_TEXT.sub(lambda m: mask_id(m.group(1).upper()) if valid_id_number(m.group(1).upper())
                          else m.group(1), text)
    return PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(1)), text)
