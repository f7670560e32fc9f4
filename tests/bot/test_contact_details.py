"""Phone numbers and e-mail addresses as members type them."""

from __future__ import annotations

import pytest

from bot.contact_details import (
    EmailProblem,
    InvalidEmail,
    InvalidPhone,
    PhoneProblem,
    format_phone,
    normalise_email,
    parse_phone,
)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0221 1234567", "+492211234567"),  # German national format
        ("+49 221 1234567", "+492211234567"),
        ("0049 221 1234567", "+492211234567"),
        ("(0221) 123-45-67", "+492211234567"),
        ("0221/1234567", "+492211234567"),
        ("  0151 23456789 ", "+4915123456789"),
        ("+1 650 253 0000", "+16502530000"),  # another country, with its code
        ("+33 1 42 68 53 00", "+33142685300"),
        ("٠٢٢١ ١٢٣٤٥٦٧", "+492211234567"),  # Arabic-Indic digits
        ("0221\u00a01234567", "+492211234567"),  # a no-break space from copying
    ],
)
def test_valid_phone_numbers_are_stored_in_e164(typed: str, stored: str) -> None:
    assert parse_phone(typed) == stored


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("12345", PhoneProblem.INVALID),
        ("0221", PhoneProblem.INVALID),
        ("+49 221", PhoneProblem.INVALID),
        ("+999 1234567", PhoneProblem.INVALID),  # no such country code
        ("++49 221 1234567", PhoneProblem.CHARACTERS),
        ("0221 + 1234567", PhoneProblem.CHARACTERS),
        ("0221 CALLME", PhoneProblem.CHARACTERS),  # phonenumbers would read a keypad word
        ("phone", PhoneProblem.CHARACTERS),
        ("0221 1234567 ext. 12", PhoneProblem.CHARACTERS),
        ("0221#1234567", PhoneProblem.CHARACTERS),
        ("", PhoneProblem.EMPTY),
        ("   ", PhoneProblem.EMPTY),
        ("0" * 41, PhoneProblem.TOO_LONG),
        ("0221 12345678901234567890", PhoneProblem.INVALID),
    ],
)
def test_invalid_phone_numbers_say_what_is_wrong(typed: str, problem: PhoneProblem) -> None:
    with pytest.raises(InvalidPhone) as raised:
        parse_phone(typed)
    assert raised.value.problem is problem


def test_the_default_region_reads_national_numbers() -> None:
    assert parse_phone("01 42 68 53 00", default_region="FR") == "+33142685300"


def test_stored_numbers_are_shown_in_international_format() -> None:
    assert format_phone("+492211234567") == "+49 221 1234567"
    assert format_phone("+16502530000") == "+1 650-253-0000"
    assert format_phone("not a number") == "not a number"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("name@example.org", "name@example.org"),
        ("  Name.Surname@Example.ORG ", "Name.Surname@example.org"),  # only the domain lowered
        ("first.last+tag@mail.example.co.uk", "first.last+tag@mail.example.co.uk"),
        ("o'brien_x-y@example.de", "o'brien_x-y@example.de"),
        ("a@b.de", "a@b.de"),
        ("user@sub-domain.example.museum", "user@sub-domain.example.museum"),
        ("user@xn--bcher-kva.de", "user@xn--bcher-kva.de"),
        ("user@Bücher.DE", "user@bücher.de"),  # an internationalised domain
        ("user@example.xn--p1ai", "user@example.xn--p1ai"),
        ("ayşe@example.com.tr", "ayşe@example.com.tr"),  # RFC 6531 local part
        ("123@456.com", "123@456.com"),
        ("x" * 64 + "@" + "d" * 63 + ".de", "x" * 64 + "@" + "d" * 63 + ".de"),
    ],
)
def test_valid_email_addresses(typed: str, stored: str) -> None:
    assert normalise_email(typed) == stored


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", EmailProblem.EMPTY),
        ("name.example.org", EmailProblem.AT_SIGN),
        ("name@@example.org", EmailProblem.AT_SIGN),
        ("a@b@example.org", EmailProblem.AT_SIGN),
        ("name @example.org", EmailProblem.SPACE),
        ("name@exa mple.org", EmailProblem.SPACE),
        ("name\u200b@example.org", EmailProblem.SPACE),  # zero-width space
        ("name\t@example.org", EmailProblem.SPACE),
        ("name\x00@example.org", EmailProblem.SPACE),
        ("@example.org", EmailProblem.LOCAL_PART),
        (".name@example.org", EmailProblem.LOCAL_PART),
        ("name.@example.org", EmailProblem.LOCAL_PART),
        ("na..me@example.org", EmailProblem.LOCAL_PART),
        ('"quoted"@example.org', EmailProblem.LOCAL_PART),
        ("na(me)@example.org", EmailProblem.LOCAL_PART),
        ("x" * 65 + "@example.org", EmailProblem.LOCAL_PART),
        ("name@", EmailProblem.DOMAIN),
        ("name@localhost", EmailProblem.DOMAIN),
        ("name@example", EmailProblem.DOMAIN),
        ("name@example.", EmailProblem.DOMAIN),
        ("name@.example.org", EmailProblem.DOMAIN),
        ("name@example..org", EmailProblem.DOMAIN),
        ("name@-example.org", EmailProblem.DOMAIN),
        ("name@example-.org", EmailProblem.DOMAIN),
        ("name@exa_mple.org", EmailProblem.DOMAIN),
        ("name@example.c", EmailProblem.DOMAIN),  # a TLD has two letters at least
        ("name@example.123", EmailProblem.DOMAIN),
        ("name@example.d3", EmailProblem.DOMAIN),
        ("name@[192.0.2.1]", EmailProblem.DOMAIN),
        ("name@192.0.2.1", EmailProblem.DOMAIN),
        ("name@" + "d" * 64 + ".de", EmailProblem.DOMAIN),  # a label has at most 63
        ("name@" + "ä" * 70 + ".de", EmailProblem.DOMAIN),
        # 149 characters as typed, but 254 once each label is IDNA-encoded: over 253.
        ("n@" + "".join(["ñöüçşğäéàè" * 2 + "."] * 7) + "de", EmailProblem.DOMAIN),
        ("x" * 250 + "@example.org", EmailProblem.TOO_LONG),
    ],
)
def test_invalid_email_addresses_say_what_is_wrong(typed: str, problem: EmailProblem) -> None:
    with pytest.raises(InvalidEmail) as raised:
        normalise_email(typed)
    assert raised.value.problem is problem
