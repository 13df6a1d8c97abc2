"""Amounts as German (and English) writers type them, in whole cents; the rest refused."""

from __future__ import annotations

import pytest

from server.domain import money
from server.domain.validation import Errors


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("1.500", 150_000),
        ("1500,50", 150_050),
        ("1 500 €", 150_000),
        ("1.500,5 EUR", 150_050),
        ("1\u00a0234,56\u00a0€", 123_456),
        ("12.345.678,90", None),  # above the limit, see below
        ("1,500.50", 150_050),
        ("1,234,567", 123_456_700),
        ("99.99", 9_999),
        ("+25", 2_500),
        ("7 Euro", 700),
        ("10.000.000", 1_000_000_000),
    ],
)
def test_typed_amounts_become_cents(typed: str, cents: int | None) -> None:
    errors = Errors()
    assert money.parse_cents(errors, "amount", typed) == cents
    assert bool(errors) == (cents is None)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "negative"),
        ("−5", "negative"),
        ("0", "more than zero"),
        ("0,00", "more than zero"),
        ("10.000.000,01", "not plausible"),
        ("1,500", "e.g."),
        ("1.5.0", "e.g."),
        ("12,345", "e.g."),
        ("1,2,3", "e.g."),
        ("abc", "e.g."),
        ("1e6", "e.g."),
        ("", "Please enter"),
        ("€", "Please enter"),
    ],
)
def test_malformed_negative_zero_and_absurd_amounts_are_refused(typed: str, message: str) -> None:
    errors = Errors()
    assert money.parse_cents(errors, "amount", typed) is None
    assert message in errors["amount"].id


def test_an_optional_amount_may_stay_empty() -> None:
    errors = Errors()
    assert money.parse_cents(errors, "amount", " ", required=False) is None
    assert not errors


def test_domain_messages_write_amounts_the_german_way() -> None:
    assert money.format_euros(123_456_789) == "1.234.567,89 €"
    assert money.format_euros(5) == "0,05 €"


@pytest.mark.parametrize("cents", [0, 5, 150_050, 1_000_000_000, -2_500])
def test_an_amount_written_plainly_reads_back_the_same(cents: int) -> None:
    written = money.plain_euros(cents)
    assert (
        written
        == {
            0: "0,00",
            5: "0,05",
            150_050: "1500,50",
            1_000_000_000: "10000000,00",
            -2_500: "-25,00",
        }[cents]
    )
    if cents > 0:
        errors = Errors()
        assert money.parse_cents(errors, "amount", written) == cents
