"""What a roster tells people: email (Hindi, then English) and a short SMS in the agent's first
language. Pure text building; never a phone number in any of it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from .rules import EVENING, MORNING, SHIFT_NAMES, ShiftConfig, _hhmm

HI_MONTHS = ("जनवरी", "फ़रवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितंबर", "अक्टूबर", "नवंबर", "दिसंबर")
REASONS = {
    "no_seat": ("सभी सीटें भरी हैं; सीट खाली होते ही आपको सबसे पहले जगह मिलेगी",
                "every seat is taken; you are first in line when one frees up"),
    "leave": ("आप इस पूरी अवधि में छुट्टी पर हैं", "you are on leave for the whole period"),
    "supervisor_cover": ("दूसरी पाली में कोई पर्यवेक्षक नहीं था, इसलिए आपकी पाली नहीं बदली",
                         "no other supervisor was available, so your shift did not change"),
    "seat_capacity": ("आपकी सीट हटा दी गई और उस पाली में कोई सीट खाली नहीं थी",
                      "your seat was removed and that shift had no free seat"),
}


@dataclass(frozen=True)
class Person:
    username: str
    name_hi: str
    name_en: str
    language: str = "hi"


@dataclass(frozen=True)
class Assignment:
    """One line of a roster, with the names and room it needs to be read by a person."""

    person: Person
    role: str
    status: str
    shift: str | None
    seat: str | None
    room_hi: str | None
    room_en: str | None
    partner: Person | None
    reason: str | None


def hi_date(day: date) -> str:
    return f"{day.day} {HI_MONTHS[day.month - 1]} {day.year}"


def en_date(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _window(shift: str, cfg: ShiftConfig) -> str:
    start, end = cfg.windows[shift]
    return f"{_hhmm(start)}–{_hhmm(end)}"


def _name(p: Person, lang: str) -> str:
    name = p.name_hi if lang == "hi" else p.name_en
    return f"{name or p.name_en or p.name_hi} ({p.username})"


def _line_hi(a: Assignment, cfg: ShiftConfig) -> str:
    if a.status == "placed" and a.shift:
        text = f"{SHIFT_NAMES[a.shift][0]} की पाली, {_window(a.shift, cfg)} बजे (IST)"
        if a.seat:
            text += f", सीट {a.seat} ({a.room_hi})"
            text += f"। सीट साथी: {_name(a.partner, 'hi')}" if a.partner else "। इस पाली के बाद सीट पर कोई साथी नहीं"
        return text
    if a.status == "standby":
        return "स्टैंडबाय"
    return "छुट्टी"


def _line_en(a: Assignment, cfg: ShiftConfig) -> str:
    if a.status == "placed" and a.shift:
        text = f"{SHIFT_NAMES[a.shift][1]} shift, {_window(a.shift, cfg)} IST"
        if a.seat:
            text += f", seat {a.seat} ({a.room_en})"
            text += f". Seat partner: {_name(a.partner, 'en')}" if a.partner else ". No seat partner this period"
        return text
    if a.status == "standby":
        return "Standby"
    return "On leave"


def assignment_email(a: Assignment, first: date, last: date, rev: int, cfg: ShiftConfig) -> tuple[str, str]:
    """Subject and text for one person's assignment."""
    subject = (f"रोस्टर {hi_date(first)} – {hi_date(last)}: {_line_hi(a, cfg).split(',')[0]} / "
               f"Roster {en_date(first)} – {en_date(last)}: {_line_en(a, cfg).split(',')[0]}")
    revised_hi = f"\n(यह रोस्टर का संशोधन {rev} है; यह पिछली सूचना की जगह लेता है।)" if rev > 1 else ""
    revised_en = f"\n(This is revision {rev} of the roster; it replaces the previous message.)" if rev > 1 else ""
    why_hi = f"\nकारण: {REASONS[a.reason][0]}।" if a.reason in REASONS else ""
    why_en = f"\nWhy: {REASONS[a.reason][1]}." if a.reason in REASONS else ""
    p = a.person
    text = (
        f"नमस्ते {p.name_hi or p.name_en},\n\n"
        f"{hi_date(first)} से {hi_date(last)} तक आपकी ड्यूटी: {_line_hi(a, cfg)}।{why_hi}{revised_hi}\n\n"
        f"— सम्पर्क कॉल सेंटर\n\n"
        f"Hello {p.name_en or p.name_hi},\n\n"
        f"From {en_date(first)} to {en_date(last)} your duty is: {_line_en(a, cfg)}.{why_en}{revised_en}\n\n"
        f"— Sampark call centre\n"
    )
    return subject, text


def assignment_sms(a: Assignment, first: date, last: date, rev: int, cfg: ShiftConfig) -> str:
    """At most one SMS segment's worth of text in the person's first language."""
    tag = f" (संशोधन {rev})" if rev > 1 else ""
    if a.person.language == "hi":
        where = ""
        if a.status == "placed" and a.shift:
            where = f"{SHIFT_NAMES[a.shift][0]} {_window(a.shift, cfg)}" + (f", सीट {a.seat}" if a.seat else "")
        else:
            where = _line_hi(a, cfg)
        return f"सम्पर्क रोस्टर {first:%d/%m}–{last:%d/%m}{tag}: {where}"
    tag = f" (rev {rev})" if rev > 1 else ""
    if a.status == "placed" and a.shift:
        where = f"{SHIFT_NAMES[a.shift][1]} {_window(a.shift, cfg)}" + (f", seat {a.seat}" if a.seat else "")
    else:
        where = _line_en(a, cfg)
    return f"Sampark roster {first:%d/%m}-{last:%d/%m}{tag}: {where}"


def roster_email(reader: Assignment, everyone: Sequence[Assignment], changed: set[str], first: date, last: date,
                 rev: int, cfg: ShiftConfig, seat_rooms: Mapping[str, str]) -> tuple[str, str]:
    """The whole roster, for a supervisor: by seat, then supervisors, standby and leave."""
    subject = (f"पूरा रोस्टर {hi_date(first)} – {hi_date(last)} (संशोधन {rev}) / "
               f"Full roster {en_date(first)} – {en_date(last)} (revision {rev})")
    by_slot = {(a.seat, a.shift): a for a in everyone if a.status == "placed" and a.seat}
    rows = []
    for seat, room in seat_rooms.items():
        cells = []
        for shift in (MORNING, EVENING):
            a = by_slot.get((seat, shift))
            mark = "*" if a and a.person.username in changed and rev > 1 else ""
            cells.append(f"{a.person.name_en or a.person.name_hi} ({a.person.username}){mark}" if a else "—")
        rows.append(f"{seat:<6} {room:<10} {cells[0]:<40} {cells[1]}")
    sups = {s: [a.person.username + ("*" if a.person.username in changed and rev > 1 else "")
                for a in everyone if a.role == "supervisor" and a.status == "placed" and a.shift == s]
            for s in (MORNING, EVENING)}
    standby = [a.person.username for a in everyone if a.status == "standby"]
    leave = [a.person.username for a in everyone if a.status == "on_leave"]
    p = reader.person
    text = "\n".join([
        f"नमस्ते {p.name_hi or p.name_en} / Hello {p.name_en or p.name_hi},",
        "",
        f"आपकी अपनी ड्यूटी / Your own duty: {_line_hi(reader, cfg)} / {_line_en(reader, cfg)}",
        "",
        f"पाली / Shifts: सुबह / Morning {_window(MORNING, cfg)}, शाम / Evening {_window(EVENING, cfg)} IST",
        "* = इस संशोधन में बदला / changed in this revision" if rev > 1 else "",
        "",
        f"{'सीट':<6} {'कक्ष/Room':<10} {'सुबह / Morning':<40} शाम / Evening",
        *rows,
        "",
        f"पर्यवेक्षक सुबह / Supervisors morning: {', '.join(sups[MORNING]) or '—'}",
        f"पर्यवेक्षक शाम / Supervisors evening: {', '.join(sups[EVENING]) or '—'}",
        f"स्टैंडबाय / Standby: {', '.join(standby) or '—'}",
        f"छुट्टी पर / On leave: {', '.join(leave) or '—'}",
        "",
        "— सम्पर्क / Sampark",
    ])
    return subject, text
