"""Monthly cost of one deployment at district and at state scale, from stated prices and counts.

`python -m infra.cost` prints the table README.md shows (a test keeps them equal). Prices are AWS list
prices in USD at the time of writing (us-east-1 where a Mumbai price was not at hand; ap-south-1 is
within about 10-15% on every line); no free tier is counted except Cognito's, which is a price tier.
The counts follow from infra/load.py and the assumptions below, each stated where it is used.
"""

from __future__ import annotations

from dataclasses import dataclass

from .load import CALLING_HOURS, DASHBOARD_POLL_S, DISTRICT, REQUESTS_PER_CALL, STATE, Load

DAYS = 30
PRICES = {
    "api_per_million": 3.50,  # API Gateway REST API requests
    "lambda_per_million": 0.20,  # Lambda requests
    "lambda_per_gb_s": 0.0000166667,  # Lambda x86 compute
    "ddb_per_million_wru": 0.625,  # DynamoDB on-demand writes
    "ddb_per_million_rru": 0.125,  # DynamoDB on-demand reads
    "ddb_per_gb_month": 0.25,  # DynamoDB standard storage
    "pitr_per_gb_month": 0.20,  # continuous backups
    "logs_per_gb": 0.50,  # CloudWatch Logs ingestion
    "logs_per_gb_month": 0.03,  # CloudWatch Logs storage
    "alarm_metric_month": 0.10,  # each metric of a standard alarm
    "xray_per_million": 5.00,  # traces recorded
    "waf_acl_month": 5.00, "waf_rule_month": 1.00, "waf_per_million": 0.60,
    "ses_per_thousand": 0.10,
    "sms_each": 0.003,  # SNS SMS to India, transactional (check the current SNS SMS price list)
    "sns_email_per_100k": 2.00,
    "sqs_per_million": 0.40,
}

# Per call made, measured (bench/latency.py's metered round: 35 agents x 4 cycles, 140 calls, 2026-12-03
# 20:37 UTC, tree 97cb69d: /next bounded at 5 DynamoDB calls, 4 candidates pre-read): a call's lease (POST /next,
# with the number's reveal), its record (POST /calls) and the agent's two lists refreshed once, counted in the
# moto server by bench/capacity.py from the items' sizes (transactional writes double, every index write,
# eventually consistent reads half). Lost lease races and 429 queue_busy answers are included. Before issue 18:
# 9.0 reads and 36.4 writes; after its first cut 21.8 and 57.2; candidates read eventually consistent, 2 pre-read:
# 16.0 and 56.6; 4 pre-read (so up to three lost races need no read): 17.7 and 57.0.
# Issue 20 adds to a call's writes (bench/reports.py, from the items' sizes; not yet in a metered round): the
# agent's day item grows from 351 to 611 bytes with the attendance and quality figures (still within its KB:
# 0 WRU), a flagged call puts a flag item (2 WRU in the transaction; 2 % of calls assumed flagged: 0.04) and
# the call log carries leased_at (33 bytes on the log and its two index copies: 0.13 on average).
WRU_PER_CALL_ISSUE_20 = 0.17
# One person at a time (issue 20, also from the items' sizes, not yet metered): the lease's ConditionCheck on the
# contact became an Update (both bill 2 write units for a contact under 1 KB: no change), and the call's
# transaction now always updates the contact (its day's count, the lock released): 2 WRU, where before only an
# opt-out or a wrong number did. Reads: /calls' BatchGetItem also reads the contact and the calling settings
# (consistent, under 1 KB: 2 RRU), /next's the calling settings (eventually consistent: 0.5).
WRU_PER_CALL_LOCK = 2.0
RRU_PER_CALL_ISSUE_20 = 2.5
WRU_PER_CALL = 57.0 + WRU_PER_CALL_ISSUE_20 + WRU_PER_CALL_LOCK
RRU_PER_CALL = 17.7 + RRU_PER_CALL_ISSUE_20
RRU_PER_DASHBOARD = 10  # a supervisor's progress screen reads counters
ACTIVATIONS_PER_MONTH = 4  # campaigns, each creating one target per contact
CONTACTS_PER_DISTRICT = 20_000
WRU_PER_TARGET = 5
KB_PER_CALL_STORED = 4.5  # call log with its two index copies, plus its target's share
STORED_MONTHS = 12  # the estimate is for a deployment one year old
API_SECONDS = 0.15  # average API Lambda duration, 512 MB
AUTHORIZER_SECONDS = 0.05
LAMBDA_GB = 0.5
AUTH_CACHE_S = 300  # the authorizer's result is cached 5 minutes per token
LOG_KB_PER_REQUEST = 1.2  # the request line, Lambda's START/END/REPORT, the access log line
ALARM_METRICS = 55  # as synthesised today: 8 functions x 2, API 2, 16 tables x 2 (reads+writes), 3 queues, SES 2
XRAY_RESERVOIR_PER_S = 1.0  # X-Ray's default sampling: the first request each second, then 5%
XRAY_RATE = 0.05
WAF_RULES = 3  # the body cap, known bad inputs, the sign-in rate per address (tests/infra/test_api.py counts them)
EMAILS_PER_DISTRICT_DAY = 30  # digests to the state and central teams, rosters to agents by email
SMS_PER_AGENT_WEEK = 1  # the week's roster
SNS_EMAILS_PER_DISTRICT_DAY = 100  # topic summaries delivered to subscribed addresses
SQS_POLLS_PER_MONTH = 2 * 5 * (86_400 // 20) * DAYS  # two queues, five long-polling pollers each


@dataclass(frozen=True)
class Line:
    item: str
    basis: str
    cost: float


def dynamodb_month(load: Load, rru_per_call: float = RRU_PER_CALL,
                   wru_per_call: float = WRU_PER_CALL) -> dict[str, float]:
    """The month's DynamoDB bill (on-demand requests, storage and PITR) for `load`, with the given units per
    call made (bench/__main__.py prices the units it measured per call, before and after issue 18, this way)."""
    p = PRICES
    calls = load.calls_per_day * DAYS
    dashboards = load.supervisors * CALLING_HOURS * 3600 / DASHBOARD_POLL_S * DAYS
    wru = calls * wru_per_call + load.districts * CONTACTS_PER_DISTRICT * ACTIVATIONS_PER_MONTH * WRU_PER_TARGET
    rru = calls * rru_per_call + dashboards * RRU_PER_DASHBOARD
    stored_gb = calls * STORED_MONTHS * KB_PER_CALL_STORED / 1e6
    requests = wru / 1e6 * p["ddb_per_million_wru"] + rru / 1e6 * p["ddb_per_million_rru"]
    storage = stored_gb * (p["ddb_per_gb_month"] + p["pitr_per_gb_month"])
    return {"calls": calls, "wru": wru, "rru": rru, "stored_gb": stored_gb, "requests_usd": requests,
            "storage_usd": storage, "total_usd": requests + storage,
            "calls_usd": calls * (wru_per_call * p["ddb_per_million_wru"]
                                  + rru_per_call * p["ddb_per_million_rru"]) / 1e6}


def lines(load: Load) -> list[Line]:
    p = PRICES
    calls = load.calls_per_day * DAYS
    dashboards = load.supervisors * CALLING_HOURS * 3600 / DASHBOARD_POLL_S * DAYS
    ddb = dynamodb_month(load)
    requests = calls * REQUESTS_PER_CALL + dashboards
    users = load.seats + load.supervisors
    authorizer = users * CALLING_HOURS * 3600 / AUTH_CACHE_S * DAYS
    wru, rru, stored_gb = ddb["wru"], ddb["rru"], ddb["stored_gb"]
    log_gb = requests * LOG_KB_PER_REQUEST / 1e6
    calling_seconds = CALLING_HOURS * 3600 * DAYS
    sampled = min(requests, calling_seconds * XRAY_RESERVOIR_PER_S)
    traces = sampled + (requests - sampled) * XRAY_RATE
    agents = load.seats * 2
    m = 1e6
    return [
        Line("API Gateway", f"{requests / m:.2f} M requests", requests / m * p["api_per_million"]),
        Line("Lambda", f"{(requests + authorizer) / m:.2f} M invocations, "
                       f"{(requests * API_SECONDS + authorizer * AUTHORIZER_SECONDS) * LAMBDA_GB / 1e3:.0f} k GB-s",
             (requests + authorizer) / m * p["lambda_per_million"]
             + (requests * API_SECONDS + authorizer * AUTHORIZER_SECONDS) * LAMBDA_GB * p["lambda_per_gb_s"]),
        Line("DynamoDB requests", f"{wru / m:.1f} M writes, {rru / m:.1f} M reads", ddb["requests_usd"]),
        Line("DynamoDB storage + PITR", f"{stored_gb:.0f} GB after a year", ddb["storage_usd"]),
        Line("CloudWatch Logs", f"{log_gb:.1f} GB/month",
             log_gb * p["logs_per_gb"] + log_gb * STORED_MONTHS * p["logs_per_gb_month"]),
        Line("CloudWatch alarms", f"{ALARM_METRICS} alarm metrics", ALARM_METRICS * p["alarm_metric_month"]),
        Line("X-Ray", f"{traces / m:.2f} M traces", traces / m * p["xray_per_million"]),
        Line("WAF (body cap, sign-in rate)", f"1 ACL, {WAF_RULES} rules, {requests / m:.2f} M requests",
             p["waf_acl_month"] + WAF_RULES * p["waf_rule_month"] + requests / m * p["waf_per_million"]),
        Line("SES", f"{EMAILS_PER_DISTRICT_DAY * load.districts * DAYS:,} emails",
             EMAILS_PER_DISTRICT_DAY * load.districts * DAYS / 1e3 * p["ses_per_thousand"]),
        Line("SNS (SMS + topic email)", f"{agents * SMS_PER_AGENT_WEEK * 4.3:,.0f} SMS",
             agents * SMS_PER_AGENT_WEEK * 4.3 * p["sms_each"]
             + SNS_EMAILS_PER_DISTRICT_DAY * load.districts * DAYS / 1e5 * p["sns_email_per_100k"]),
        Line("SQS", f"{SQS_POLLS_PER_MONTH / m:.1f} M requests (Lambda's polling)",
             SQS_POLLS_PER_MONTH / m * p["sqs_per_million"]),
        Line("Cognito (Lite)", f"{users + load.seats:,} users, under 10,000 MAU", 0.0),
    ]


def render() -> str:
    district, state = lines(DISTRICT), lines(STATE)
    rows = ["| item | district: what is counted | district $/month | state $/month |", "|---|---|---:|---:|"]
    for d, s in zip(district, state, strict=True):
        rows.append(f"| {d.item} | {d.basis} | {d.cost:,.2f} | {s.cost:,.2f} |")
    rows.append(f"| **total** | | **{sum(x.cost for x in district):,.0f}** | **{sum(x.cost for x in state):,.0f}** |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(render())
