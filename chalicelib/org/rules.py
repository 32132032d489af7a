"""Pure rules of the organisation: levels, contact roles, phones, masking, tree paths.
No AWS, no Chalice: unit-tested on their own."""

from __future__ import annotations

import re

from ..core.errors import ValidationError

LEVELS = ("state", "district", "assembly", "mandal", "shakti_kendra", "booth")
TOP_LEVELS = ("state", "district")
UNIT_ID_PATTERN = r"[a-z0-9][a-z0-9-]{0,63}"

# Which contact roles belong to which level of the organisation.
ROLE_LEVEL = {
    "district_office_bearer": "district",
    "assembly_incharge": "assembly",
    "mandal_president": "mandal",
    "mandal_office_bearer": "mandal",
    "shakti_kendra_incharge": "shakti_kendra",
    "booth_president": "booth",
    "booth_committee_member": "booth",
    "panna_pramukh": "booth",
}
ROLES = tuple(ROLE_LEVEL)
# The contact who answers for a unit: the in-charge one level up is called when a unit goes silent.
INCHARGE_ROLE = {
    "district": "district_office_bearer",
    "assembly": "assembly_incharge",
    "mandal": "mandal_president",
    "shakti_kendra": "shakti_kendra_incharge",
    "booth": "booth_president",
}
LANGUAGES = ("hi", "en")

_DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")


def parent_level(level: str) -> str | None:
    index = LEVELS.index(level)
    return LEVELS[index - 1] if index else None


def check_parent(level: str, parent_level_found: str | None) -> None:
    """A unit's parent must be exactly one level up; only a state or district may stand alone."""
    if parent_level_found is None:
        if level not in TOP_LEVELS:
            raise ValidationError(f"a {level} needs a parent", field="parent_id")
        return
    expected = parent_level(level)
    if parent_level_found != expected:
        raise ValidationError(
            f"the parent of a {level} must be a {expected}, not a {parent_level_found}", field="parent_id"
        )


def unit_path(parent_path: str | None, unit_id: str) -> str:
    """Materialised path: every ancestor id and the unit's own, each followed by '/'.
    A subtree is then every path that begins with the unit's path."""
    return f"{parent_path or ''}{unit_id}/"


def ancestor_ids(path: str) -> list[str]:
    """Ids on a path, the unit itself first, the root last."""
    return [part for part in path.split("/") if part][::-1]


def district_for(level: str, unit_id: str, parent_district: str | None) -> str | None:
    """The district a unit belongs to: itself for a district, its parent's below, none above."""
    if level == "district":
        return unit_id
    return parent_district if LEVELS.index(level) > LEVELS.index("district") else None


def check_role(role: str, level: str) -> None:
    if ROLE_LEVEL.get(role) != level:
        allowed = [r for r, lv in ROLE_LEVEL.items() if lv == level]
        raise ValidationError(
            f"a contact of a {level} may have role: {', '.join(allowed) or 'none'}", field="role"
        )


_PHONE_CHARS = re.compile(r"[0-9+()\-. ]+")


def normalise_phone(raw: str, field: str = "phone") -> str:
    """Parse an Indian phone number as people write it ("098765 43210", "+91-98765-43210",
    "९८७६५४३२१०") and return it in E.164. Invalid or non-Indian numbers are refused."""
    text = raw.translate(_DEVANAGARI_DIGITS).strip()
    if not text or len(text) > 32:
        raise ValidationError("phone is required", field=field)
    if not _PHONE_CHARS.fullmatch(text):  # phonenumbers would read letters as keypad digits (abc = 2)
        raise ValidationError("phone may hold only digits, spaces, '+', '-', '.' and brackets", field=field)
    import phonenumbers  # here, not at module level: ~10 MB of metadata off the cold start

    try:
        number = phonenumbers.parse(text, "IN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError("phone is not a phone number", field=field) from exc
    if number.country_code != 91 or not phonenumbers.is_valid_number(number):
        raise ValidationError("phone is not a valid Indian number", field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164_or_last4: str) -> str:
    """What lists and digests show: the country code and the last four digits."""
    return f"+91XXXXXX{e164_or_last4[-4:]}"
