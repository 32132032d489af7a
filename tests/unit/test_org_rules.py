import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.core.errors import ValidationError
from chalicelib.org import rules


@pytest.mark.parametrize("raw", ["098765 43210", "+91-98765-43210", "9876543210", "९८७६५४३२१०",
                                 "+91 98765 43210", "(0)98765-43210", " 91 9876543210 "])
def test_messy_indian_phones_normalise_to_e164(raw: str) -> None:
    assert rules.normalise_phone(raw) == "+919876543210"


def test_a_landline_with_std_code_is_accepted() -> None:
    assert rules.normalise_phone("07162 242424") == "+917162242424"


@pytest.mark.parametrize("raw", ["", "   ", "12345", "abcdefghij", "+1 202 555 0100", "0000000000", "9" * 40])
def test_invalid_or_foreign_phones_are_refused(raw: str) -> None:
    with pytest.raises(ValidationError) as err:
        rules.normalise_phone(raw)
    assert err.value.field == "phone"


@given(st.integers(min_value=6_000_000_000, max_value=9_999_999_999))
def test_every_valid_mobile_round_trips(n: int) -> None:
    parsed = phonenumbers.parse(str(n), "IN")
    if phonenumbers.is_valid_number(parsed):
        assert rules.normalise_phone(str(n)) == f"+91{n}"
        assert rules.normalise_phone(f"0{n}") == f"+91{n}"


def test_masking_keeps_only_the_last_four_digits() -> None:
    assert rules.mask_phone("+919876543210") == "+91XXXXXX3210"
    assert "98765" not in rules.mask_phone("+919876543210")


def test_parents_must_be_exactly_one_level_up() -> None:
    rules.check_parent("mandal", "assembly")
    rules.check_parent("district", None)
    rules.check_parent("state", None)
    rules.check_parent("district", "state")
    with pytest.raises(ValidationError):
        rules.check_parent("booth", "mandal")
    with pytest.raises(ValidationError):
        rules.check_parent("booth", None)
    with pytest.raises(ValidationError):
        rules.check_parent("assembly", "booth")


def test_paths_make_subtrees_prefixes_without_sibling_collisions() -> None:
    m1 = rules.unit_path("chw/chw-a1/", "chw-a1-m1")
    m10 = rules.unit_path("chw/chw-a1/", "chw-a1-m10")
    assert m1 == "chw/chw-a1/chw-a1-m1/"
    assert not m10.startswith(m1)
    assert rules.ancestor_ids(m1) == ["chw-a1-m1", "chw-a1", "chw"]


def test_district_of_a_unit() -> None:
    assert rules.district_for("district", "chw", None) == "chw"
    assert rules.district_for("booth", "b1", "chw") == "chw"
    assert rules.district_for("state", "mp", None) is None


def test_roles_belong_to_their_level() -> None:
    rules.check_role("booth_president", "booth")
    with pytest.raises(ValidationError) as err:
        rules.check_role("booth_president", "mandal")
    assert err.value.field == "role"
