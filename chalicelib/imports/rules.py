"""Pure rules of imports: the column set of each kind with its Hindi aliases, and what a cell may
hold. No AWS: the chunk processor (service.py) looks up units and phone claims and applies these.

Headers are matched case-, space- and punctuation-insensitively after NFC, with the nukta dropped
(फ़ोन and फोन are one header). A `name` column goes to `name_hi` when it is written in Devanagari and
to `name_en` otherwise.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..core.errors import ValidationError
from ..core.validate import check_text
from ..org import rules as org_rules
from .csvio import FileProblem, clean

KINDS = ("contacts", "units", "dnc")
ROWS_PER_CHUNK = 500
MAX_NAME = 120

_PHONE = ("phone", "phoneno", "phonenumber", "mobile", "mobileno", "mobilenumber", "mob", "contactno",
          "contactnumber", "whatsapp", "मोबाइल", "मोबाईल", "मोबाइलनंबर", "मोबाइलनं", "मोनं", "फोन", "फोननंबर",
          "फोननं", "दूरभाष", "संपर्क", "संपर्कनंबर")
_NAME = ("name", "fullname", "नाम", "पूरानाम")
_NAME_HI = ("namehi", "namehindi", "hindiname", "nameinhindi", "नामहिंदी", "हिंदीनाम", "नामहिन्दी", "हिन्दीनाम")
_NAME_EN = ("nameen", "nameenglish", "englishname", "nameinenglish", "नामअंग्रेजी", "अंग्रेजीनाम", "नामइंग्लिश")

COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "contacts": {
        "phone": _PHONE,
        "name": _NAME,
        "name_hi": _NAME_HI,
        "name_en": _NAME_EN,
        "role": ("role", "designation", "post", "position", "भूमिका", "पद", "दायित्व"),
        "unit_id": ("unitid", "unit", "booth", "boothid", "boothcode", "unitcode", "बूथ", "बूथकोड", "इकाई",
                    "इकाईकोड"),
        "language": ("language", "lang", "भाषा"),
    },
    "units": {
        "unit_id": ("unitid", "id", "code", "unit", "unitcode", "इकाई", "इकाईकोड", "कोड"),
        "level": ("level", "type", "unittype", "स्तर", "प्रकार"),
        "parent_id": ("parentid", "parent", "parentunit", "parentcode", "मूलइकाई", "पैरेंट", "उपरकीइकाई",
                      "मूल"),
        "name": _NAME,
        "name_hi": _NAME_HI,
        "name_en": _NAME_EN,
    },
    "dnc": {"phone": _PHONE},
}
REQUIRED = {"contacts": ("phone", "role", "unit_id"), "units": ("unit_id", "level"), "dnc": ("phone",)}

LEVEL_WORDS = {
    "state": "state", "pradesh": "state", "प्रदेश": "state", "राज्य": "state",
    "district": "district", "zila": "district", "jila": "district", "जिला": "district",
    "assembly": "assembly", "vidhansabha": "assembly", "ac": "assembly", "विधानसभा": "assembly",
    "mandal": "mandal", "मंडल": "mandal", "मण्डल": "mandal",
    "shaktikendra": "shakti_kendra", "sk": "shakti_kendra", "kendra": "shakti_kendra",
    "शक्तिकेंद्र": "shakti_kendra", "शक्तिकेन्द्र": "shakti_kendra",
    "booth": "booth", "बूथ": "booth", "मतदानकेंद्र": "booth",
}
ROLE_WORDS = {
    **{r.replace("_", ""): r for r in org_rules.ROLES},
    "districtofficebearer": "district_office_bearer", "जिलापदाधिकारी": "district_office_bearer",
    "assemblyincharge": "assembly_incharge", "विधानसभाप्रभारी": "assembly_incharge",
    "mandalpresident": "mandal_president", "mandaladhyaksh": "mandal_president", "मंडलअध्यक्ष": "mandal_president",
    "मण्डलअध्यक्ष": "mandal_president",
    "mandalofficebearer": "mandal_office_bearer", "मंडलपदाधिकारी": "mandal_office_bearer",
    "shaktikendraincharge": "shakti_kendra_incharge", "skincharge": "shakti_kendra_incharge",
    "शक्तिकेंद्रप्रभारी": "shakti_kendra_incharge", "शक्तिकेन्द्रप्रभारी": "shakti_kendra_incharge",
    "boothpresident": "booth_president", "boothadhyaksh": "booth_president", "बूथअध्यक्ष": "booth_president",
    "boothcommitteemember": "booth_committee_member", "boothsamitisadasya": "booth_committee_member",
    "बूथसमितिसदस्य": "booth_committee_member",
    "pannapramukh": "panna_pramukh", "पन्नाप्रमुख": "panna_pramukh",
}
LANGUAGE_WORDS = {"hi": "hi", "hindi": "hi", "हिंदी": "hi", "हिन्दी": "hi", "en": "en", "english": "en",
                  "अंग्रेजी": "en", "इंग्लिश": "en"}


def key(text: str) -> str:
    """A header or a word as it is compared: NFC, lower case, no nukta, no spaces or punctuation."""
    text = unicodedata.normalize("NFC", text).lower().replace("\u093c", "").replace("\ufeff", "")
    text = unicodedata.normalize("NFC", unicodedata.normalize("NFD", text).replace("\u093c", ""))
    return re.sub(r"[\s_\-./()#:]+", "", text)


_ALIASES = {kind: {key(a): name for name, aliases in cols.items() for a in (name, *aliases)}
            for kind, cols in COLUMNS.items()}


def known_headers(kind: str) -> set[str]:
    return set(_ALIASES[kind])


@dataclass(frozen=True)
class Columns:
    fields: list[str | None]  # the field of each column of the file; None for a column we do not read
    headers: list[str]  # the column headers as written, for the error report
    ignored: list[str]

    def header_of(self, field: str) -> str:
        for index, name in enumerate(self.fields):
            if name == field or (field in ("name_hi", "name_en") and name == "name"):
                return self.headers[index]
        return field


def map_header(kind: str, cells: list[str]) -> Columns:
    """Resolve the header row. A missing required column refuses the file; the first of two columns
    meaning the same field is read, the second ignored."""
    aliases = _ALIASES[kind]
    fields: list[str | None] = []
    ignored: list[str] = []
    for cell in cells:
        field = aliases.get(key(cell))
        if field is None or field in fields:
            fields.append(None)
            if clean(cell):
                ignored.append(clean(cell))
        else:
            fields.append(field)
    missing = [f for f in REQUIRED[kind] if f not in fields]
    if kind != "dnc" and not ({"name", "name_hi", "name_en"} & set(fields)):
        missing.append("name (or name_hi / name_en)")
    if missing:
        expected = ", ".join(f"{n} ({' / '.join(COLUMNS[kind][n][:3])})" for n in REQUIRED[kind])
        raise FileProblem("missing_columns", f"the header row lacks the column(s): {', '.join(missing)}. "
                                             f"A {kind} file needs {expected} and a name; see docs/imports.md "
                                             "for every accepted header")
    return Columns(fields, [clean(c) for c in cells], ignored)


# ---- cells -----------------------------------------------------------------------------------


class RowError(Exception):
    """One rejected cell: what the error report says about it."""

    def __init__(self, field: str, value: str, reason: str) -> None:
        super().__init__(reason)
        self.field, self.value, self.reason = field, value, reason


def row_values(columns: Columns, cells: list[str]) -> dict[str, str]:
    """The cells of one record by field, cleaned; a Devanagari `name` becomes name_hi, another name_en."""
    values: dict[str, str] = {}
    for index, field in enumerate(columns.fields):
        if field is None or index >= len(cells):
            continue
        value = clean(cells[index])
        if field == "name":
            if value:
                values.setdefault("name_hi" if _devanagari(value) else "name_en", value)
            continue
        values[field] = value
    return values


def _devanagari(text: str) -> bool:
    return any("\u0900" <= ch <= "\u097f" for ch in text)


_SCIENTIFIC = re.compile(r"\d(\.\d+)?e\+?\d+", re.IGNORECASE)


def phone(value: str) -> str:
    """E.164, or RowError saying what is wrong as a person would understand it."""
    if not value:
        raise RowError("phone", value, "the phone number is missing")
    if _SCIENTIFIC.fullmatch(value.replace(",", "")):
        raise RowError("phone", value, "the spreadsheet turned this number into scientific notation and lost "
                                       "digits: format the phone column as text and export again")
    text = re.sub(r"\.0+$", "", value)  # 9876543210.0 from a number-formatted column
    if len(re.findall(r"[0-9०-९]{10,}", re.sub(r"[\s\-]", "", text))) > 1 or re.search(r"[,/;|]", text):
        raise RowError("phone", value, "one phone number per row: put the other number on a row of its own")
    try:
        return org_rules.normalise_phone(text)
    except ValidationError as exc:
        raise RowError("phone", value, exc.message) from exc


def name(field: str, value: str) -> str:
    try:  # the same rule as the API's names: one line of visible text, no control or bidi characters
        check_text(value, field, line=True)
    except ValidationError as exc:
        raise RowError(field, value, exc.message) from exc
    if len(value) > MAX_NAME:
        raise RowError(field, value, f"the name is longer than {MAX_NAME} characters")
    if value and set(value) <= {"?", " "}:
        raise RowError(field, value, "the name was lost when the file was saved (it shows as ???): save the "
                                     "file as 'CSV UTF-8' and import it again")
    return value


def role(value: str) -> str:
    if not value:
        raise RowError("role", value, "the role is missing")
    found = ROLE_WORDS.get(key(value))
    if found is None:
        raise RowError("role", value, f"unknown role; use one of: {', '.join(org_rules.ROLES)}")
    return found


def level(value: str) -> str:
    found = LEVEL_WORDS.get(key(value))
    if found is None:
        raise RowError("level", value, f"unknown level; use one of: {', '.join(org_rules.LEVELS)}")
    return found


def unit_id(field: str, value: str) -> str:
    text = value.strip().lower()
    if not text:
        raise RowError(field, value, "the unit id is missing")
    if not re.fullmatch(org_rules.UNIT_ID_PATTERN, text):
        raise RowError(field, value, "a unit id is lower-case letters, digits and '-', at most 64")
    return text


def language(value: str) -> str | None:
    if not value:
        return None
    found = LANGUAGE_WORDS.get(key(value))
    if found is None:
        raise RowError("language", value, "language must be hi (Hindi) or en (English)")
    return found


# ---- rows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactRow:
    line: int
    phone: str
    role: str
    unit_id: str
    name_hi: str
    name_en: str
    language: str | None


@dataclass(frozen=True)
class UnitRow:
    line: int
    unit_id: str
    level: str
    parent_id: str | None
    name_hi: str
    name_en: str


@dataclass(frozen=True)
class DncRow:
    line: int
    phone: str


def contact_row(line: int, values: dict[str, str]) -> ContactRow:
    number = phone(values.get("phone", ""))
    name_hi = name("name_hi", values.get("name_hi", ""))
    name_en = name("name_en", values.get("name_en", ""))
    return ContactRow(line, number, role(values.get("role", "")), unit_id("unit_id", values.get("unit_id", "")),
                      name_hi, name_en, language(values.get("language", "")))


def unit_row(line: int, values: dict[str, str]) -> UnitRow:
    uid = unit_id("unit_id", values.get("unit_id", ""))
    lvl = level(values.get("level", ""))
    parent = values.get("parent_id", "")
    parent_id = unit_id("parent_id", parent) if parent else None
    name_hi = name("name_hi", values.get("name_hi", ""))
    name_en = name("name_en", values.get("name_en", ""))
    if not (name_hi or name_en):
        raise RowError("name_hi", "", "the unit's name is missing")
    return UnitRow(line, uid, lvl, parent_id, name_hi or name_en, name_en or name_hi)


def dnc_row(line: int, values: dict[str, str]) -> DncRow:
    return DncRow(line, phone(values.get("phone", "")))


_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")


def identity(kind: str, values: dict[str, str]) -> str | None:
    """What makes two rows of one file the same row, or None when there is nothing to compare: a unit
    id; for a phone its last ten digits, which is what E.164 keeps of every valid Indian number
    ("098765 43210", "+91-98765-43210", "९८७६५४३२१०" are one). Cheap on purpose: the whole file is
    read once before any chunk runs, and full parsing waits for the row's own chunk."""
    if kind == "units":
        return values.get("unit_id", "").strip().lower() or None
    digits = re.sub(r"\D", "", re.sub(r"\.0+$", "", values.get("phone", "").translate(_DIGITS)))
    return digits[-10:] if len(digits) >= 10 else None


def check_parent(row: UnitRow, parent_level: str | None) -> None:
    try:
        org_rules.check_parent(row.level, parent_level)
    except ValidationError as exc:
        raise RowError("parent_id", row.parent_id or "", exc.message) from exc


def check_role(row: ContactRow, unit_level: str) -> None:
    try:
        org_rules.check_role(row.role, unit_level)
    except ValidationError as exc:
        raise RowError("role", row.role, exc.message) from exc
