"""The monthly vendor report job: on the 1st of each month (IST) the previous month's report per employer is
emailed, in Hindi and English, to the admins and the district digest's recipients, with the per-agent table
attached as CSV. Sent once however often the schedule fires: a job record keyed on the month (the first
run makes it; a run that finds it marked sent does nothing) and the outbox's key per month and recipient
(a run that stopped half-way sends only what is left). No Chalice, boto3 or PynamoDB here."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr
from typing import Any

from ..core.clock import iso
from ..core.settings import get_settings
from . import rules, service, store

SENT = "sent"


def csv_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    """UTF-8 with a BOM (spreadsheets read the Hindi names right); a cell a spreadsheet would run as a
    formula starts with an apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([f"'{c}" if isinstance(c, str) and c[:1] in ("=", "+", "-", "@", "\t", "\r") else c
                         for c in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _people(n: int) -> str:
    return "1 person" if n == 1 else f"{n} people"


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def text(month: str, employers: list[dict[str, Any]]) -> str:
    """The email's body: Hindi first, then English, one paragraph per employer."""
    hi = [f"सम्पर्क कॉल सेंटर: {month} की मासिक रिपोर्ट (नियोक्ता के अनुसार)।", ""]
    en = [f"Sampark call centre: the monthly report for {month}, per employer.", ""]
    for e in employers:
        m, ev = e["shifts"]["morning"], e["shifts"]["evening"]
        hi += [f"{e['name_hi']}: {e['agents']} लोग; सुबह की पाली में {m['seat_days_staffed']} / "
               f"{m['seat_days_rostered']} सीट-दिन भरे, शाम की पाली में {ev['seat_days_staffed']} / "
               f"{ev['seat_days_rostered']}; सक्रिय घंटे {e['hours_active']}; कॉल {e['attempts']}, जुड़ीं "
               f"{e['connects']}; सत्यापित {e['verified']}, विसंगति दर {_rate(e['discrepancy_rate'])}; "
               f"अनुपस्थित {e['absences']}, देर से {e['late']}, जल्दी गए {e['left_early']}, बिना रोस्टर "
               f"{e['unrostered_days']} दिन।"]
        en += [f"{e['name_en']}: {_people(e['agents'])}; morning shift {m['seat_days_staffed']} of "
               f"{m['seat_days_rostered']} seat-days staffed, evening {ev['seat_days_staffed']} of "
               f"{ev['seat_days_rostered']}; {e['hours_active']} hours active; {e['attempts']} calls, "
               f"{e['connects']} connected; {e['verified']} verified, discrepancy rate "
               f"{_rate(e['discrepancy_rate'])}; {e['absences']} absences, {e['late']} late, "
               f"{e['left_early']} left early, {_days(e['unrostered_days'])} worked unrostered."]
    hi += ["", "हर एजेंट की तालिका संलग्न CSV में है।"]
    en += ["", "The per-agent table is attached as CSV."]
    return "\n".join([*hi, "", "—", "", *en]) + "\n"


def subject(month: str) -> str:
    return f"मासिक वेंडर रिपोर्ट / Monthly vendor report — {month}"


def mime(month: str, employers: list[dict[str, Any]], attachment: bytes, sender: str, to: str) -> bytes:
    message = MIMEMultipart("mixed")
    message["Subject"] = Header(subject(month), "utf-8").encode()
    message["From"] = formataddr(("Sampark", sender))
    message["To"] = to
    message.attach(MIMEText(text(month, employers), "plain", "utf-8"))
    part = MIMEApplication(attachment, "csv")
    part.replace_header("Content-Type", 'text/csv; charset="utf-8"')
    part.add_header("Content-Disposition", "attachment", filename=f"vendor-{month}.csv")
    message.attach(part)
    return message.as_bytes()


def recipients() -> list[str]:
    """The admins (their logins' email addresses) and the district digest's recipients, each once."""
    from ..accounts import cognito
    from ..digests import config as digest_config

    found = cognito.emails_in_groups("admin") + digest_config.recipients("district")
    return sorted({r.strip().lower(): r.strip() for r in found if r and r.strip()}.values())


def scheduled(fired: datetime) -> dict[str, Any]:
    """The previous month's report (the month before the IST day the schedule fired on), sent once."""
    from ..notify import service as notify

    month = rules.previous_month(service.today(fired))
    found = store.job_started(month, iso(fired))
    if found is not None and found.get("status") == SENT:
        return {"month": month, "status": "already_sent", "emails": 0}
    _, rows = service.month_rows(month, fired)
    employers = service.vendor_summary(month, rows)
    attachment = csv_bytes(list(rules.CSV_HEADER), rules.csv_rows(rows))
    sender = get_settings().ses_sender
    outcomes = [notify.send_raw_email(f"vendor#{month}#{to}", to, mime(month, employers, attachment, sender, to))
                for to in recipients()]
    done = all(o.status in ("sent", "already_sent", "failed") for o in outcomes)
    if done:
        store.job_done(month, iso(fired), sum(o.status == "sent" for o in outcomes))
    return {"month": month, "status": SENT if done else "partial", "emails": sum(o.status == "sent" for o in outcomes)}
