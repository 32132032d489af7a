"""A campaign's own settings that the features above it act on (issue 17): the facts of a programme
relay (chalicelib/relay) and of follow-up (chalicelib/followup) that a campaign carries and that creating
or editing one validates. They live here, below those features, so campaigns imports neither of them;
relay/rules.py and followup/rules.py name them from here. No AWS, no Chalice."""

from __future__ import annotations

from typing import Any

CAMPAIGN_ID = r"cp_[a-z0-9]{26}"
DATE = r"\d{4}-\d{2}-\d{2}"

# A programme relay: the levels below the district a programme is relayed down (top first), and who
# published it (district: an admin through the API).
RELAY_LEVELS = ("assembly", "mandal", "shakti_kendra", "booth")
PROGRAMME_SOURCES = ("central", "state", "district")

# Follow-up: a unit silent this many days is escalated unless the campaign says otherwise; the kind of
# the campaign that re-calls sampled reports; the questions whose answers are such reports.
DEFAULT_ESCALATE_AFTER_DAYS = 3
VERIFICATION_KIND = "verification"


def verifiable_ids(questions: list[dict[str, Any]]) -> list[str]:
    return [q["id"] for q in questions if q.get("verifiable")]
