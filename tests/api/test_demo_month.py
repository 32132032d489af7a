"""Issue 20's "Done when": a month of demo activity (devtools/demo_month.py, the code behind `make demo-month`,
here a small month: 6 agents and a relief agent over six working days) gives a vendor report email and CSV,
and GET /reports/vendor, whose figures equal a RECOMPUTATION from the call logs (by_agent_day, per agent
and day) and the rosters, made independently of the counters the reports read (devtools/vendor_check.py:
the same check `make demo-month` runs on the local stack at its end)."""

from __future__ import annotations

from datetime import date

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib.org.store import ContactModel, UnitModel
from devtools import demo_month, moto_local, vendor_check
from devtools.demo_data import generate_district
from devtools.seed import _batch_put, _contact_models, _unit_models
from tests.api.conftest import Api
from tests.api.shifts_support import REGION, put_agents

MONTH = "2026-11"
DAYS = tuple(date(2026, 11, d) for d in range(2, 7))  # Monday 2 to Friday 6 November
DISTRICT_MAIL = "district-office@example.org"


def _seed() -> list[str]:
    district = generate_district(5, booths_per_kendra=1, contacts_per_booth=1)
    units = _unit_models(district, "2026-10-01T00:00:00.000Z")
    _batch_put(UnitModel, units)
    _batch_put(ContactModel, _contact_models(district, {u.unit_id: u for u in units}, "2026-10-01T00:00:00.000Z"))
    return [u for u in put_agents(6, 1) if u.startswith("agent")]


def test_a_demo_month_gives_a_vendor_report_equal_to_the_logs_and_rosters(api: Api) -> None:
    agents = _seed()
    plan = demo_month.Plan(MONTH, tuple(agents), days=DAYS, calls_per_day=5, target_unit="chw-a1", workers=7,
                           suspicious=("agent02", "agent03", "agent05"))
    with moto_local.patched():  # the agents' threads: DynamoDB's per-item atomicity, as on the local stack
        summary = demo_month.simulate(plan, progress=lambda _: None)
    assert not summary["skipped_periods"]
    assert summary["calls"] >= 100 and summary["by_disposition"].get("verification", 0) >= 3
    assert not [code for code in summary["refused"] if code.startswith("call:")]  # every lease ended in a call
    assert summary["agent_days"].get("late", 0) + summary["agent_days"].get("absent", 0) > 0
    # the district digest's recipients get the vendor email too
    put = api.put("/settings/digests", {"version": 0, "audiences": {"district": {"recipients": [DISTRICT_MAIL]}}})
    assert put.status in (200, 201), put.body

    job = demo_month.run_vendor_job(MONTH)
    assert job["month"] == MONTH and job["emails"] >= 1
    assert demo_month.run_vendor_job(MONTH)["emails"] == 0  # sent once however often it fires

    sent = [m for m in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages if DISTRICT_MAIL in m.destinations]
    assert len(sent) == 1
    limits = vendor_check.Limits.stored(demo_month.questions_asked(summary))
    expected, problems = vendor_check.check_email(sent[0].raw_data, MONTH, demo_month.month_days(MONTH), limits,
                                                  summary["sign_ins"])
    assert problems == []  # every figure of every CSV row, and each employer's paragraph, equal the recomputation

    people = [*agents, demo_month.RELIEF_AGENT]
    _, table = vendor_check.parse_email(sent[0].raw_data, MONTH)
    header = table[0]
    rows = {r[header.index("username")]: r for r in table[1:]}
    assert set(people) <= set(rows)
    assert expected[demo_month.RELIEF_AGENT]["unrostered"] == 1
    # the supervisor signs in on their rostered days: present, judged on arrival, never "left early"
    assert expected["sup1"]["days_present"] > 0 and expected["sup1"]["left_early"] == 0
    assert sum(expected[p]["late"] + expected[p]["absent"] + expected[p]["left_early"] for p in people) > 0
    assert sum(expected[p]["flags_n"] for p in people) > 0 and sum(expected[p]["discrepant"] for p in people) > 0

    firm = {p: rows[p][header.index("employer")] for p in people}
    assert len(set(firm.values())) == 1 and "party" not in firm.values()
    mine = [expected[p] for p in people]
    totals = {name: sum(e[name] for e in mine) for name in ("attempts", "connects", "verified", "absent", "late",
                                                             "left_early", "unrostered", "active_s")}
    seats = {s: {k: sum(e["seats"][s][k] for e in mine) for k in ("seat_days_rostered", "seat_days_staffed")}
             for s in ("morning", "evening")}

    report = api.get(f"/reports/vendor?month={MONTH}", role="admin")
    assert report.status == 200, report.body
    employer = next(e for e in report.json["employers"] if e["employer"] == next(iter(firm.values())))
    assert employer["agents"] == len(people) and employer["shifts"] == seats
    assert {k: employer[k] for k in ("attempts", "connects", "verified")} == \
        {k: totals[k] for k in ("attempts", "connects", "verified")}
    assert (employer["absences"], employer["late"], employer["left_early"], employer["unrostered_days"]) == \
        (totals["absent"], totals["late"], totals["left_early"], totals["unrostered"])
    assert employer["hours_active"] == round(totals["active_s"] / 3600, 1)
    by_agent = {a["username"]: a["totals"] for a in report.json["agents"]}
    for person in people:
        assert {k: by_agent[person][k] for k in ("attempts", "connects", "talk_s", "active_s", "idle_n", "verified",
                                                  "discrepant", "absent", "late", "flags_n")} == \
            {k: expected[person][k] for k in ("attempts", "connects", "talk_s", "active_s", "idle_n", "verified",
                                               "discrepant", "absent", "late", "flags_n")}, person
