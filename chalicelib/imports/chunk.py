"""One chunk of an import being written: its rows' outcome (counts, the rejected rows of the error
report) and the report's rows about known contacts (file holdings). No Chalice, boto3 or PynamoDB here."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import ValidationError
from ..org.rules import mask_phone, normalise_phone
from . import holdings, rules, store

DEFAULT_PURPOSE = "party outreach (imported list)"
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
Parsed = list[tuple[int, dict[str, str]]]  # (line, the row's values by field)


def b32(value: int, length: int) -> str:
    """`value` in Crockford's base 32, `length` characters (the ids' alphabet)."""
    return "".join(_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(length)))


@dataclass
class Outcome:
    counts: Counter[str] = field(default_factory=Counter)
    rejects: list[list[Any]] = field(default_factory=list)

    def reject(self, line: int, column: str, value: str, reason: str) -> None:
        self.counts["rejected"] += 1
        self.rejects.append([line, column, value, reason])


@dataclass
class Chunk:
    item: store.ImportModel
    columns: rules.Columns
    stamp: str  # created_at / updated_at of every row this import writes: how a retry knows its own work
    outcome: Outcome = field(default_factory=Outcome)

    @property
    def source(self) -> str:
        return f"import:{self.item.import_id}"

    named: dict[str, list[list[Any]]] = field(default_factory=dict)  # contact -> the report's rows about them

    def reject(self, line: int, fld: str, value: str, reason: str, *, contact_id: str | None = None) -> None:
        """A row left out, with why. A phone that is a valid number is shown masked (the line says which
        row): the report does not spread numbers. A row about a known contact is recorded as held by the
        report, so that erasing them withdraws it."""
        if fld == "phone" and value:
            value = _masked(value)
        self.outcome.reject(line, self.columns.header_of(fld), value, reason)
        if contact_id:
            self.named.setdefault(contact_id, []).append(self.outcome.rejects[-1])

    def record_named(self) -> None:
        """Record the report's rows about known contacts as held (before the rows are written), then
        read those contacts again: one erased meanwhile keeps no holding, and their rows no value."""
        if not self.named:
            return
        ref = holdings.import_ref(self.item.import_id)
        holdings.record(ref, list(self.named))
        alive = store.contacts(list(self.named))
        for contact_id in [c for c in self.named if c not in alive]:
            holdings.forget(contact_id, [ref])
            for row in self.named[contact_id]:
                row[2] = ""


def _masked(value: str) -> str:
    try:
        return mask_phone(normalise_phone(value))
    except ValidationError:
        return value  # not a phone number: the admin needs to see what was typed
