"""Pure rules of the organisation: levels, contact roles, phones, masking, tree paths.
No AWS, no Chalice: unit-tested on their own."""

from __future__ import annotations

import re

from ..core.errors import ValidationError

LEVELS = ("state", "district", "assembly", "mandal", "shakti_kendra", "booth")
TOP_LEVELS = ("state", "district")
UNIT_ID_PATTERN = r"[a-z0-9][a-z0-9-]{0,63}"
CONTACT_ID_PATTERN = r"ct_[0-9a-z]{26}"


def is_contact_id(value: str) -> bool:
    """A contact's id as the app makes them: anything else is no contact, without a read."""
    return re.fullmatch(CONTACT_ID_PATTERN, value) is not None


def is_unit_id(value: str) -> bool:
    return re.fullmatch(UNIT_ID_PATTERN, value) is not None


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


# ---- finding a person ----------------------------------------------------------------------

NUKTA = "\u093c"
_NAME_DROP = re.compile(r"[\s\u200b-\u200d\u2060.,'’`\"_\-()/]+")
_DEVANAGARI = re.compile(r"[\u0900-\u097f]")
_LETTER_OR_DIGIT = re.compile(r"\w")
NAME_KEY_MAX = 100


def name_key(name: str) -> str:
    """A name as the search index holds it, and as a query is read: NFKD (so that a precomposed
    nukta letter, क़ U+0958, splits into क + nukta, and é into e + accent), nukta and Latin accents
    dropped, then NFC, case folded, and spaces, dots, hyphens, apostrophes and zero-width joiners
    removed ("Ram  Kumar", "ram-kumar" and "RAMKUMAR" are one key; so are "ज़ाकिर" and "जाकिर").
    Vowel signs and virama stay: they change the name."""
    import unicodedata

    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if c != NUKTA and not "\u0300" <= c <= "\u036f")
    text = unicodedata.normalize("NFC", text).casefold()
    return _NAME_DROP.sub("", text)[:NAME_KEY_MAX]


def is_devanagari(text: str) -> bool:
    return _DEVANAGARI.search(text) is not None


def name_index_keys(district_id: str, contact_id: str, name_hi: str, name_en: str) -> dict[str, str | None]:
    """The name-search index attributes of a contact: one entry for its name in Devanagari and one
    for its name in Latin letters (whichever of name_hi/name_en is written in that script). The
    partition is the district and the key's first letter (a prefix query reads one partition, and an
    import's writes spread over ~50 partitions, not one); the sort key is the key, then the id."""
    keys: dict[str, str | None] = {"name_deva_bucket": None, "name_deva_key": None,
                                   "name_latn_bucket": None, "name_latn_key": None}
    for name in (name_hi, name_en):
        key = name_key(name or "")
        if not key:
            continue
        script = "deva" if is_devanagari(key) else "latn"
        if keys[f"name_{script}_key"] is None:
            keys[f"name_{script}_bucket"] = f"{district_id}#{key[0]}"
            keys[f"name_{script}_key"] = f"{key}#{contact_id}"
    return keys


SEARCH_MAX = 60


def search_query(q: str | None) -> tuple[str, str]:
    """What a search box's text asks for: ("phone", E.164) when it is a phone number written any
    way (spaces, dashes, +91 or 0, Devanagari digits), else ("deva" | "latn", the name key prefix).
    Text that is neither is refused (field q)."""
    text = (q or "").strip()
    if not text:
        raise ValidationError("type a phone number or the start of a name", field="q", code="required")
    if len(text) > SEARCH_MAX:
        raise ValidationError(f"search text is at most {SEARCH_MAX} characters", field="q")
    digits_only = text.translate(_DEVANAGARI_DIGITS)
    if _PHONE_CHARS.fullmatch(digits_only) and any(c.isdigit() for c in digits_only):
        # a spreadsheet's number cell copied as text: "9876543210.0"
        return "phone", normalise_phone(re.sub(r"\.0+$", "", digits_only), field="q")
    if any(c.isdigit() for c in digits_only):
        raise ValidationError("a name has no digits; a phone number has no letters", field="q")
    key = name_key(text)
    if not key or not _LETTER_OR_DIGIT.search(key):
        raise ValidationError("type a phone number or the start of a name", field="q")
    return ("deva" if is_devanagari(key) else "latn"), key
