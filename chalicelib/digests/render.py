"""A digest as people read it: HTML (Jinja2, autoescaped: names and titles come from users; inline CSS;
bars as table cells with a width, which common mail clients render), a plain-text part, both in Hindi
and English, and the MIME message that carries them. No AWS here."""

from __future__ import annotations

from email.header import Header
from email.utils import formataddr
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # jinja2 and email.mime load when a digest is rendered, not on the API's cold start
    from jinja2 import Environment

from . import rules

TEMPLATES = Path(__file__).resolve().parent / "templates"


HEADLINE = (("attempts", "कॉल किए", "Calls attempted"), ("connects", "बात हुई", "Calls connected"),
            ("completed", "पूर्ण लक्ष्य", "Targets completed"), ("opt_outs", "ऑप्ट-आउट", "Opt-outs"),
            ("callbacks_pending", "लंबित कॉलबैक", "Callbacks pending"))


def signed(value: int | None) -> str:
    if value is None:
        return ""
    return f"({value:+d})"


def pct(value: float | None) -> int:
    return max(0, min(100, round((value or 0) * 100)))


def bar(count: int, maximum: int) -> int:
    """A bar's length in % of its track: its value's share of the largest; 0 only for a zero (a small
    but real value keeps a sliver, so it is not read as none)."""
    if count <= 0 or maximum <= 0:
        return 0
    return max(1, pct(count / maximum))


def num(value: float | None) -> str:
    """A tally as people write it: Indian digit grouping, no ".0", at most two decimals."""
    if value is None:
        return "—"
    if float(value).is_integer():
        whole, frac = str(int(value)), ""
    else:
        text = f"{value:.2f}".rstrip("0")
        whole, frac = text.split(".")[0], "." + text.split(".")[1]
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    if len(digits) > 3:
        head, tail = digits[:-3], digits[-3:]
        groups: list[str] = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        digits = ",".join([head, *groups, tail]) if head else ",".join([*groups, tail])
    return f"{sign}{digits}{frac}"


def share_bar(share: float | None) -> int:
    return max(1, pct(share)) if share else 0


@cache
def _env(autoescape: bool) -> Environment:
    from jinja2 import Environment, StrictUndefined

    # nosec B701: autoescape is on for the HTML body; off only for the text/plain body, where HTML
    # escaping would corrupt the text and nothing renders markup
    env = Environment(autoescape=autoescape, undefined=StrictUndefined, trim_blocks=False)  # noqa: S701 # nosec B701
    env.globals.update(signed=signed, pct=pct, bar=bar, share_bar=share_bar, num=num)
    return env


@cache
def _template(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


def subject(content: dict[str, Any]) -> str:
    hi, en = rules.AUDIENCE_LABELS[content["audience"]]
    return f"संपर्क सारांश ({hi}) | Sampark {en.lower()} digest {content['period']}"


SECTIONS = {"answers": [], "campaigns": [], "unreached": [], "silent": [], "silent_days": 0, "silent_more": 0,
            "agents": [], "coverage": [], "by_disposition": [], "corrections": []}


def _context(content: dict[str, Any]) -> dict[str, Any]:
    content = {**SECTIONS, **content}  # sections an audience does not get render as nothing
    h = content["headline"]
    changes = h.get("change", {})
    rows = [{"hi": hi, "en": en, "value": h[key], "change": signed(changes.get(key))}
            for key, hi, en in HEADLINE if key in h]
    hi, en = rules.AUDIENCE_LABELS[content["audience"]]
    counts = [d["count"] for d in content.get("by_disposition", [])]
    return {"c": content, "headline": rows, "audience_hi": hi, "audience_en": en, "subject": subject(content),
            "max_disposition": max(counts) if counts else 0}


def html(content: dict[str, Any]) -> str:
    return _env(True).from_string(_template("digest.html.j2")).render(**_context(content))


def text(content: dict[str, Any]) -> str:
    return _env(False).from_string(_template("digest.txt.j2")).render(**_context(content))


def mime(content: dict[str, Any], sender: str, to: str) -> bytes:
    """multipart/alternative: text/plain first, text/html last (the one clients prefer), UTF-8."""
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    message = MIMEMultipart("alternative")
    message["Subject"] = Header(subject(content), "utf-8").encode()
    message["From"] = formataddr(("Sampark", sender))
    message["To"] = to
    message.attach(MIMEText(text(content), "plain", "utf-8"))
    message.attach(MIMEText(html(content), "html", "utf-8"))
    return message.as_bytes()
