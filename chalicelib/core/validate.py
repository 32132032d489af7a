"""Declarative validation of JSON bodies and query strings.

Small on purpose: it rejects unknown fields, wrong types, out-of-range values and oversize strings,
and names the field in the error. Cold start matters more than a general schema library here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .clock import parse_iso
from .errors import ValidationError


@dataclass(frozen=True)
class Field:
    kind: str  # str | int | bool | number | datetime | list | object | any_object
    required: bool = False
    nullable: bool = False
    min_len: int = 0
    max_len: int = 500
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    pattern: str | None = None
    item: Field | None = None
    fields: Mapping[str, Field] = field(default_factory=dict)
    max_items: int = 100
    strip: bool = True
    line: bool = False  # one line of text (a name, a title): tabs and line breaks refused too


# Characters no text a person typed contains: C0 controls (NUL included) other than tab and line breaks,
# DEL and the C1 controls, and the bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069)
# that make a name display as something else ("Trojan source"). Line breaks and tabs are refused in
# one-line fields too.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAK = re.compile("[\t\n\r\x0b\x0c\x85\u2028\u2029]")
# What is invisible on its own: whitespace, zero-width spaces and joiners, word joiner, BOM, soft hyphen.
_INVISIBLE = re.compile("[\\s\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]+")


def check_text(value: str, name: str, *, line: bool = False) -> str:
    """Refuse text that is not what it looks like: control or bidi-override characters, line breaks in
    a one-line field, or nothing but invisible characters. Returns the value."""
    bad = _CONTROL.search(value) or (_LINE_BREAK.search(value) if line else None)
    if bad:
        raise _fail(name, f"{name} must not contain control characters (U+{ord(bad.group()):04X})", "invalid_text")
    if value and not _INVISIBLE.sub("", value):
        raise _fail(name, f"{name} must not be only invisible characters", "invalid_text")
    return value


def name_field(max_len: int = 120, **options: Any) -> Field:
    """A person's or a unit's name, a title: one line of visible text."""
    return Field("str", max_len=max_len, line=True, **options)


def _fail(name: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError(message, field=name or None, code=code)


def _check(name: str, spec: Field, value: Any) -> Any:
    if value is None:
        if spec.nullable:
            return None
        raise _fail(name, f"{name} must not be null")
    kind = spec.kind
    if kind == "str":
        if not isinstance(value, str):
            raise _fail(name, f"{name} must be a string")
        if spec.strip:
            value = value.strip()
        check_text(value, name, line=spec.line)
        if len(value) < max(spec.min_len, 1 if spec.required else 0):
            raise _fail(name, f"{name} must not be empty")
        if len(value) > spec.max_len:
            raise _fail(name, f"{name} must be at most {spec.max_len} characters")
        if spec.choices and value not in spec.choices:
            raise _fail(name, f"{name} must be one of: {', '.join(spec.choices)}")
        if spec.pattern and not re.fullmatch(spec.pattern, value):
            raise _fail(name, f"{name} has an invalid format")
        return value
    if kind in ("int", "number"):
        ok = isinstance(value, int) if kind == "int" else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok:
            raise _fail(name, f"{name} must be {'an integer' if kind == 'int' else 'a number'}")
        if spec.minimum is not None and value < spec.minimum:
            raise _fail(name, f"{name} must be at least {spec.minimum:g}")
        if spec.maximum is not None and value > spec.maximum:
            raise _fail(name, f"{name} must be at most {spec.maximum:g}")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise _fail(name, f"{name} must be true or false")
        return value
    if kind == "datetime":
        if not isinstance(value, str) or len(value) > 40:
            raise _fail(name, f"{name} must be an ISO-8601 timestamp with offset")
        try:
            return parse_iso(value)
        except ValueError as exc:
            raise _fail(name, f"{name} must be an ISO-8601 timestamp with offset") from exc
    if kind == "list":
        if not isinstance(value, list):
            raise _fail(name, f"{name} must be a list")
        if len(value) > spec.max_items:
            raise _fail(name, f"{name} may hold at most {spec.max_items} items")
        assert spec.item is not None
        return [_check(f"{name}[{i}]", spec.item, v) for i, v in enumerate(value)]
    if kind == "object":
        return validate(value, spec.fields, prefix=f"{name}.")
    raise AssertionError(f"unknown field kind {kind}")


def validate(data: Any, spec: Mapping[str, Field], *, prefix: str = "") -> dict[str, Any]:
    """Return the validated values of `data` (only keys present, plus None for absent optionals)."""
    if not isinstance(data, dict):
        raise _fail(prefix.rstrip(".") or "body", "expected a JSON object")
    for key in data:
        if key not in spec:
            raise _fail(f"{prefix}{key}", f"unknown field {prefix}{key}", "unknown_field")
    out: dict[str, Any] = {}
    for key, rule in spec.items():
        name = f"{prefix}{key}"
        if key not in data:
            if rule.required:
                raise _fail(name, f"{name} is required", "required")
            continue
        out[key] = _check(name, rule, data[key])
    return out


def query_int(params: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"\d{1,6}", raw):
        raise _fail(name, f"{name} must be a whole number")
    value = int(raw)
    if not lo <= value <= hi:
        raise _fail(name, f"{name} must be between {lo} and {hi}")
    return value
