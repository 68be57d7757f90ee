"""Input checks and upstream bodies work on plain mappings: no GraphQL needed to use them."""

from __future__ import annotations

import pytest

from gateway.domain.bodies import Problems, mews_add_body, mews_update_body
from gateway.errors import BadUserInput


def test_a_mews_add_body_from_plain_fields_with_every_problem_named() -> None:
    problems = Problems()
    body = mews_add_body(
        {
            "overwrite_existing": False,
            "last_name": "Doe",
            "nationality_code": " it ",
            "email": "not-an-email",
            "italian_lottery_code": "x" * 16,
        },
        problems,
    )
    assert body == {"OverwriteExisting": False, "LastName": "Doe", "NationalityCode": "IT"}
    assert [path for path, _ in problems.items] == ["input.email", "input.italianLotteryCode"]
    with pytest.raises(BadUserInput) as raised:
        problems.raise_if_any("input")
    assert "input.email" in raised.value.message


def test_an_update_clears_an_italian_code_with_null_and_refuses_to_blank_a_name() -> None:
    problems = Problems()
    body = mews_update_body({"italian_fiscal_code": None, "first_name": " "}, problems)
    assert body == {"ItalianFiscalCode": {"Value": None}}
    assert [path for path, _ in problems.items] == ["input.firstName"]
