"""Personal data: masking, ID-number checks and keyed hashing. Nothing here keeps a full value.

Names are stored as ``张*`` (the surname and one star); an 18-digit resident ID number (GB 11643) is checked, then stored as its
first 6 + ``********`` + last 4 characters plus an HMAC-SHA256 of the whole number (key
``ID_HASH_KEY``), which lets a later import recognise the same person without the number being stored.
Phone numbers are masked as ``138****5678`` (landlines ``0851-****3456``). :func:`scrub` masks any ID or
phone number written inside free text (a project name, a problem report, an audit detail), so none is
stored, shown or exported whole — however it is written: full-width digits (NFKC), spaces, hyphens and
dashes between the digits, a mobile with ``+86``/``0086``, a landline with its area code in brackets. The
numbers are found in a normalised view of the text and masked in the text itself, which otherwise stays as
written.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import unicodedata

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
MASKED_ID = re.compile(r"^[0-9]{6}\*{8}[0-9]{3}[0-9X]$")
FULL_ID = re.compile(r"^[0-9]{17}[0-9X]$")
# Inside the normalised view of a text (see _view): ASCII digits, " " for any space, "-" for any dash.
# Each is matched at every position (a lookahead), so that a longer run of digits does not hide a number.
_EDGE, _END = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
ID_IN_TEXT = re.compile(rf"(?=({_EDGE}[0-9](?:[ -]?[0-9]){{16}}[ -]?[0-9Xx]{_END}))")
PHONE_IN_TEXT = re.compile(  # a mobile 1[3-9]x, 3-4-4 digits, with +86 / 0086; a landline with its area code
    rf"(?={_EDGE}(?:(?:\+|00)?86[ -]?|\(\+?86\)[ -]?)?(1[3-9][0-9](?:[ -]?[0-9]{{4}}){{2}}{_END})"
    rf"|({_EDGE}(?:\(0[1-9][0-9]{{1,2}}\)|0[1-9][0-9]{{1,2}})[ -]?[1-9][0-9]{{2,3}}[ -]?[0-9]{{3,4}}{_END}))")
_SEGMENT = re.compile(r"[(+]{0,2}[0-9](?:[ ()+Xx-]*[0-9]){6}[0-9 ()+Xx-]*")  # where a number could be
DEMO_HASH_KEY = "demo-only: set ID_HASH_KEY in production"


def hash_key() -> bytes:
    return os.environ.get("ID_HASH_KEY", DEMO_HASH_KEY).encode()


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]


def _canonical(number: str) -> str:
    """An ID number as checked, masked and hashed: full-width digits and a lowercase x made ASCII."""
    return unicodedata.normalize("NFKC", number).strip().upper()


def valid_id_number(number: str) -> bool:
    """An 18-character resident ID number with a real birth date and the right check character."""
    number = _canonical(number)
    if not FULL_ID.match(number):
        return False
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return check_digit(number[:17]) == number[17]


def mask_id(number: str) -> str:
    number = _canonical(number)
    return number[:6] + "*" * 8 + number[-4:]


def hash_id(number: str) -> str:
    return hmac.new(hash_key(), _canonical(number).encode(), hashlib.sha256).hexdigest()


def mask_name(name: str) -> str:
    name = name.strip()
    if not name or (len(name) > 1 and set(name[1:]) == {"*"}):
        return name  # empty, or already masked
    return name[0] + "*"  # one star whatever the length: the length says something too


def is_masked_name(name: str) -> bool:
    return len(name) >= 2 and set(name[1:]) == {"*"}


def mask_phone(number: str) -> str:
    """``13812345678`` → ``138****5678``; ``0851-86123456``, ``(0851) 8612 3456`` → ``0851-****3456``."""
    number = _view(number).strip()
    digits = re.sub(r"[^0-9]", "", number)
    if digits.startswith("1"):
        return digits[:3] + "****" + digits[-4:]
    area = re.match(r"\(?(0[0-9]{2,3})(?:\)|[ -])", number)
    area = area.group(1) if area else digits[:4]
    return f"{area}-****{digits[-4:]}"


def _view_char(ch: str) -> str:
    if ch.isascii():
        return ch
    if ch.isdecimal():
        return str(unicodedata.decimal(ch))
    normal = unicodedata.normalize("NFKC", ch)
    if len(normal) == 1 and normal.isascii():
        return normal  # full-width letters, brackets, signs; the ideographic space
    if ch.isspace():
        return " "
    return "-" if unicodedata.category(ch) == "Pd" else ch


class _ViewTable(dict):
    """``str.translate`` table of :func:`_view_char`, filled as characters are met."""

    def __missing__(self, code: int) -> str:
        self[code] = _view_char(chr(code))
        return self[code]


_VIEW = _ViewTable()


def _view(text: str) -> str:
    """``text`` character for character (the same length), with the forms numbers are written in made ASCII."""
    return text if text.isascii() else text.translate(_VIEW)


def _found(text: str) -> list[tuple[int, int, str]]:
    """The whole ID numbers and phone numbers in ``text``: (start, end, masked form), left to right."""
    view, found = _view(text), []
    for segment in _SEGMENT.finditer(view):  # only where 7 digits or more are written together
        if not _could_be_number(segment.group()):
            continue
        start = max(segment.start() - 1, 0)  # with a character either side for the patterns' edges
        found += _numbers(view[start:segment.end() + 1], start)
    return found


def _could_be_number(segment: str) -> bool:
    """Digits alone can only be a whole number (the patterns' edges): 18 for an ID, 11 for a mobile (13, 15
    with 86, 0086 before it), 10–12 for a landline; a 12-digit region or a 16-digit household code is none."""
    if not segment.isdigit():
        return True
    size = len(segment)
    return (size == 18 or (size == 11 and segment[0] == "1") or (size == 13 and segment.startswith("86"))
            or (size == 15 and segment.startswith("0086")) or (segment[0] == "0" and segment[1] != "0" and 10 <= size <= 12))


def _numbers(view: str, offset: int) -> list[tuple[int, int, str]]:
    ids, taken = [], 0
    for match in ID_IN_TEXT.finditer(view):
        number = re.sub(r"[ -]", "", match.group(1))
        if match.start(1) >= taken and valid_id_number(number):
            ids.append((match.start(1), match.end(1), mask_id(number)))
            taken = match.end(1)
    phones, taken = [], 0
    for match in PHONE_IN_TEXT.finditer(view):
        group = 1 if match.group(1) else 2
        start, end = match.span(group)
        if start >= taken and not any(s < end and start < e for s, e, _ in ids) and _phone_length(match.group(group)):
            phones.append((start, end, mask_phone(match.group(group))))
            taken = end
    return [(start + offset, end + offset, masked) for start, end, masked in sorted(ids + phones)]


def _phone_length(number: str) -> bool:
    digits = re.sub(r"[^0-9]", "", number)
    return digits.startswith("1") or 10 <= len(digits) <= 12  # a landline: area code and 7 or 8 digits


def numbers_in(text) -> list[str]:
    """The whole ID and phone numbers written in ``text`` (digits only, ASCII), for checking outputs."""
    if not isinstance(text, str) or not any(ch.isdigit() for ch in text):
        return []
    return [re.sub(r"[^0-9X]", "", _view(text[s:e]).upper()) for s, e, _ in _found(text)]


def scrub(text):
    """``text`` with every valid ID number and every phone number in it masked, the rest as written (a code
    that merely has 18 digits, like a person code, stays); anything not a string passes."""
    if not isinstance(text, str) or not any(ch.isdigit() for ch in text):
        return text
    for start, end, masked in reversed(_found(text)):
        text = text[:start] + masked + text[end:]
    return text
