"""Checks for the contact details a member may share in introductions: a phone number and an
e-mail address. Each check returns the value as it is stored, or raises with the one problem
the member is told about.

E-mail addresses get a syntax check only: whether a mailbox exists can only be learnt by
writing to it, and the member is the one who wants to be reached there.
"""

from __future__ import annotations

import re
import string
import unicodedata
from enum import Enum

import phonenumbers

# Numbers without a country code are read as German: the network is German.
DEFAULT_PHONE_REGION = "DE"
# Longer than any number with spaces and brackets; anything beyond is not a phone number.
PHONE_INPUT_MAX = 40
# What the database accepts (members.phone): "+" and 7 to 15 digits.
_E164_LENGTH = (8, 16)
# Separators people type or paste between digits.
_PHONE_SEPARATORS = frozenset(" ()-./")

EMAIL_MAX = 254  # RFC 5321's limit for a path, the longest address that can receive mail
_LOCAL_MAX = 64
_DOMAIN_MAX = 253
# RFC 5322 "atext": what an unquoted local part may contain besides dots.
_ATEXT = frozenset(string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_TLD = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")


class PhoneProblem(Enum):
    EMPTY = "empty"
    TOO_LONG = "too long"
    CHARACTERS = "characters other than digits, spaces, + ( ) - . /"
    INVALID = "not a valid number"


class EmailProblem(Enum):
    EMPTY = "empty"
    TOO_LONG = "too long"
    SPACE = "spaces or invisible characters"
    AT_SIGN = "not exactly one @"
    LOCAL_PART = "invalid part before the @"
    DOMAIN = "invalid domain"


class InvalidPhone(ValueError):
    def __init__(self, problem: PhoneProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


class InvalidEmail(ValueError):
    def __init__(self, problem: EmailProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def parse_phone(text: str, default_region: str = DEFAULT_PHONE_REGION) -> str:
    """The number in E.164 (``+492211234567``), or InvalidPhone.

    Letters are refused although phonenumbers would read them as a keypad word: a typo must
    not become somebody else's number.
    """
    typed = text.strip()
    if not typed:
        raise InvalidPhone(PhoneProblem.EMPTY)
    if len(typed) > PHONE_INPUT_MAX:
        raise InvalidPhone(PhoneProblem.TOO_LONG)
    digits_only = []
    for position, char in enumerate(typed):
        if char.isdecimal():
            # Any script's digits (an Arabic keyboard types ٠١٢…), read as ASCII digits.
            digits_only.append(str(unicodedata.decimal(char)))
        elif char == "+" and position == 0:
            digits_only.append(char)
        elif char in _PHONE_SEPARATORS or char.isspace():
            digits_only.append(" ")
        else:
            raise InvalidPhone(PhoneProblem.CHARACTERS)
    try:
        number = phonenumbers.parse("".join(digits_only), default_region)
    except phonenumbers.NumberParseException:
        raise InvalidPhone(PhoneProblem.INVALID) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(PhoneProblem.INVALID)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not _E164_LENGTH[0] <= len(e164) <= _E164_LENGTH[1]:
        raise InvalidPhone(PhoneProblem.INVALID)
    return e164


def format_phone(e164: str) -> str:
    """A stored number as people read it: ``+49 221 1234567``."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalise_email(text: str) -> str:
    """The address with its domain in lower case, or InvalidEmail.

    Accepts dot-atom local parts (RFC 5322, plus letters and digits of any script as RFC 6531
    allows) and domain names whose labels follow RFC 1035 after IDNA encoding, ending in a
    top-level domain of letters or an ``xn--`` label. Quoted local parts and address
    literals (``user@[192.0.2.1]``) are refused: valid, but nobody means them here.
    """
    address = text.strip()
    if not address:
        raise InvalidEmail(EmailProblem.EMPTY)
    if len(address) > EMAIL_MAX:
        raise InvalidEmail(EmailProblem.TOO_LONG)
    if any(char.isspace() or unicodedata.category(char)[0] in "CZ" for char in address):
        raise InvalidEmail(EmailProblem.SPACE)
    if address.count("@") != 1:
        raise InvalidEmail(EmailProblem.AT_SIGN)
    local, domain = address.split("@")
    if not _local_part_ok(local):
        raise InvalidEmail(EmailProblem.LOCAL_PART)
    domain = domain.lower()
    if not _domain_ok(domain):
        raise InvalidEmail(EmailProblem.DOMAIN)
    return f"{local}@{domain}"


def _local_part_ok(local: str) -> bool:
    if not 1 <= len(local) <= _LOCAL_MAX:
        return False
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return False
    return all(
        char in _ATEXT or char == "." or (not char.isascii() and char.isalnum()) for char in local
    )


def _domain_ok(domain: str) -> bool:
    labels = domain.split(".")
    if len(labels) < 2:
        return False
    ascii_labels = []
    for label in labels:
        if label.isascii():
            ascii_labels.append(label)
            continue
        try:
            ascii_labels.append(label.encode("idna").decode("ascii").lower())
        except UnicodeError:
            return False
    if len(".".join(ascii_labels)) > _DOMAIN_MAX:
        return False
    if not all(_LABEL.fullmatch(label) for label in ascii_labels):
        return False
    return _TLD.fullmatch(ascii_labels[-1]) is not None
