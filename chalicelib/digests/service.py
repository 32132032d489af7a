"""Use cases of digests: build one (from counters only), send it once per recipient (the outbox),
preview it, manage recipients, and honour SES bounces and complaints. No Chalice, boto3 or PynamoDB."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..core import clock
from ..core.auth import ADMIN, SUPERVISOR, Principal
from ..core.errors import Conflict, Forbidden, ValidationError
from ..core.observability import count, logger
from ..core.settings import get_settings
from ..followup import service as followup
from ..notify import service as notify
from ..relay import service as relay
from ..reporting import counters
from . import render, rules, store

EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}")
DEFAULT_CONFIG: dict[str, Any] = {"audiences": {a: {"recipients": []} for a in rules.AUDIENCES}, "silent_days": 3}
MAX_RECIPIENTS = 50
BUILD_ATTEMPTS = 3  # a build that loses a race with a correction of an earlier day is done again


def topic_of(audience: str) -> str:
    s = get_settings()
    return {"district": s.district_topic_arn, "state": s.state_topic_arn, "central": s.central_topic_arn}[audience]


# ---- settings ------------------------------------------------------------------------------------


def get_config() -> tuple[dict[str, Any], int]:
    item = store.get("settings")
    if item is None:
        return dict(DEFAULT_CONFIG), 0
    return dict(item.content), int(item.version or 0)


def settings_view() -> dict[str, Any]:
    config, version = get_config()
    return {**config, "version": version}


def put_settings(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValidationError("expected a JSON object", field="body")
    version = body.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ValidationError("version is the version you read (0 for the first time)", field="version")
    audiences = body.get("audiences")
    if not isinstance(audiences, dict) or set(audiences) - set(rules.AUDIENCES):
        raise ValidationError(f"audiences maps {list(rules.AUDIENCES)} to their recipients", field="audiences")
    config: dict[str, Any] = {"audiences": {}, "silent_days": body.get("silent_days", 3)}
    if not isinstance(config["silent_days"], int) or not 1 <= config["silent_days"] <= 30:
        raise ValidationError("silent_days is a number of days from 1 to 30", field="silent_days")
    for audience in rules.AUDIENCES:
        recipients = (audiences.get(audience) or {}).get("recipients", [])
        if not isinstance(recipients, list) or len(recipients) > MAX_RECIPIENTS:
            raise ValidationError(f"at most {MAX_RECIPIENTS} recipients", field=f"audiences.{audience}.recipients")
        clean = []
        for r in recipients:
            if not isinstance(r, str) or not EMAIL.fullmatch(r.strip()):
                raise ValidationError("recipients are email addresses", field=f"audiences.{audience}.recipients")
            clean.append(r.strip().lower())
        config["audiences"][audience] = {"recipients": sorted(set(clean))}
    item = store.put_settings(config, version, clock.iso(clock.now_utc()))
    return {**config, "version": item.version}


# ---- building ------------------------------------------------------------------------------------


def parse_period(period: str) -> tuple[str, str | None]:
    match = rules.PERIOD.fullmatch(period or "")
    if not match:
        raise ValidationError("the period is a date (YYYY-MM-DD) or a shift (YYYY-MM-DD.morning)", field="date")
    if not rules.day_in_range(match.group(1), clock.now_utc().astimezone(clock.IST).date()):
        raise ValidationError(f"the date is a real day from {rules.EARLIEST_DAY.isoformat()} to tomorrow",
                              field="date")
    return match.group(1), match.group(2)


def build(audience: str, period: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(content, snapshot) of one digest, from counters (see _build)."""
    built = _build(audience, period)
    return built.content, built.snapshot


@dataclass
class Built:
    """A digest as built: its content, its snapshot, and the corrected earlier day digests to store with it."""

    content: dict[str, Any]
    snapshot: dict[str, Any]
    corrections: list[store.Correction]


Scope = list[tuple[str, str]]  # (campaign_id, district_id) of the campaigns a day digest reports


def _build(audience: str, period: str) -> Built:
    """One digest, from counters. Reads: campaigns (1 Query), their counters at the district (1
    BatchGetItem per 100 keys: the day, the day before, all time, and for the corrections the days
    checked and the day before each), each campaign's unit counters (1 Query per MB), the earlier
    digests compared against (1 BatchGetItem), unit names listed (1 BatchGetItem per 100); for the
    district audience also the day's agents (1 Query), every agent's open callbacks (1 Query),
    each checked earlier day's agents (1 Query per day that has a stored digest: at most
    rules.CORRECTION_DAYS), and for its day digest the follow-up sections: each campaign's escalations
    (1 Query per 100) and each district's verification rates per agent and per reporter (2 Queries); for
    a day digest the campaigns' questions (1 BatchGetItem per 100 campaigns: the answers section)."""
    day, shift = parse_period(period)
    config, _ = get_config()
    silent_days = int(config.get("silent_days", 3))
    campaigns = [c for c in store.active_campaigns() if c.starts_on <= day]
    scope: Scope = [(c.campaign_id, c.district_id) for c in campaigns]
    prev_day = rules.previous_day(day)
    checked = [] if shift else rules.correction_days(day)
    earlier = store.get_many([store.digest_key(audience, prev_day), store.digest_key(audience, f"{day}.morning"),
                              store.digest_key(audience, rules.days_before(day, silent_days)),
                              *(store.digest_key(audience, x) for x in checked)])
    sent = {x: earlier[store.digest_key(audience, x)] for x in checked if store.digest_key(audience, x) in earlier}
    scopes = {x: _scope_of(item, campaigns, x) for x, item in sent.items()}
    keys = []
    for cid, did in scope:
        keys += [counters.campaign_unit(cid, did), counters.day_unit(day, cid, did),
                 counters.day_unit(prev_day, cid, did)]
    for x, x_scope in scopes.items():
        keys += [counters.day_unit(d, cid, did) for cid, did in x_scope for d in (x, rules.previous_day(x))]
    found = store.counters(keys)

    def fig(key: tuple[str, str]) -> dict[str, int]:
        return counters.figures(found.get(key))

    def day_totals_of(d: str, s: Scope) -> dict[str, int]:
        return rules.totals([fig(counters.day_unit(d, cid, did)) for cid, did in s])

    day_totals = day_totals_of(day, scope)
    prev_totals = day_totals_of(prev_day, scope)
    all_time = rules.totals([fig(counters.campaign_unit(cid, did)) for cid, did in scope])
    prev_record = earlier.get(store.digest_key(audience, prev_day))
    figures = day_totals
    if shift == "evening":  # the evening shift: the day so far less what the morning digest counted
        morning = earlier.get(store.digest_key(audience, f"{day}.morning"))
        figures = rules.minus(day_totals, (morning.snapshot or {}).get("day", {})) if morning else day_totals
    # units: one row per unit any campaign targets, connects summed over campaigns
    units: dict[str, dict[str, Any]] = {}
    relay_items: dict[str, list[Any]] = {}  # a programme relay's unit items: its broken links (chalicelib/relay)
    ranked_items: dict[str, list[Any]] = {}  # unit items of a campaign with a per-unit yes/no question
    questions = store.questions_of([c.campaign_id for c in campaigns]) if campaigns and not shift else {}
    if not shift:
        for c in campaigns:
            ranks = _ranks_units(questions.get(c.campaign_id))
            for item in store.partition(f"c#{c.campaign_id}"):
                if c.kind == "programme_relay":
                    relay_items.setdefault(c.campaign_id, []).append(item)
                if ranks and item.unit_id and item.level:
                    ranked_items.setdefault(c.campaign_id, []).append(item)
                if not item.unit_id or not item.level:
                    continue
                row = units.setdefault(item.unit_id, {"unit_id": item.unit_id, "level": item.level, "connects": 0})
                row["connects"] += int(item.connects or 0)
    rows = sorted(units.values(), key=lambda u: u["unit_id"])
    callbacks = 0
    agents: list[dict[str, Any]] = []
    if audience == "district":
        open_callbacks = counters.open_callbacks()  # every agent's, in one Query (a map per agent)
        for item in store.partition(f"d#{day}#agents"):
            if not counters.figures(item)["attempts"]:
                continue  # a day item that only carried a live lease: the agent made no call that day
            username = item.agent or item.sk[2:]
            pending = int((open_callbacks.get(username) or {}).get("callbacks_open") or 0)
            callbacks += pending
            agents.append({**rules.agent_row(item.agent or item.sk[2:], counters.figures(item)),
                           "callbacks_pending": pending})
    headline: dict[str, Any] = {
        **rules.day_headline(figures, None if shift else prev_totals),
        "completed": all_time["completed"], "targets": all_time["targets"], "callbacks_pending": callbacks,
    }
    prev_content = prev_record.content if prev_record else None
    content: dict[str, Any] = {
        "audience": audience, "period": period, "date": day, "shift": shift, "headline": headline,
        "by_disposition": rules.dispositions(figures, None if shift else prev_totals),
        "coverage": rules.coverage(rows, (prev_content or {}).get("coverage")) if not shift else [],
    }
    answers = [] if shift else _answers(campaigns, questions, day, found, ranked_items)
    rank_ids = [u["unit_id"] for a in answers for q in a["questions"] if q.get("ranked")
                for u in (*q["ranked"]["top"], *q["ranked"]["bottom"])]
    names_wanted: list[str] = list(rank_ids)
    names: dict[str, Any] = {}
    if audience != "central" and not shift:
        content["campaigns"] = [
            {"campaign_id": c.campaign_id, "title_hi": rules.redact(c.title_hi), "title_en": rules.redact(c.title_en),
             **{k: fig(counters.day_unit(day, c.campaign_id, c.district_id))[k] for k in ("attempts", "connects")},
             **{k: fig(counters.campaign_unit(c.campaign_id, c.district_id))[k] for k in ("completed", "targets")}}
            for c in campaigns]
        unreached = [u for u in rows if u["connects"] == 0]
        listed = []
        for level in rules.LEVELS:
            at_level = [u for u in unreached if u["level"] == level]
            if at_level:
                listed.append((level, at_level[:rules.LIST_MAX], len(at_level) - rules.LIST_MAX))
                names_wanted += [u["unit_id"] for u in at_level[:rules.LIST_MAX]]
        then = earlier.get(store.digest_key(audience, rules.days_before(day, silent_days)))
        silent = rules.silent_units(rows, (then.snapshot or {}).get("units") if then else None)
        names_wanted += [u["unit_id"] for u in silent[:rules.LIST_MAX]]
        names = store.units(names_wanted)
        parents = store.units([names[u["unit_id"]].parent_id for u in silent[:rules.LIST_MAX]
                               if u["unit_id"] in names and names[u["unit_id"]].parent_id])
        names.update(parents)

        def label(unit_id: str, lang: str) -> str:
            unit = names.get(unit_id)
            return rules.redact(getattr(unit, f"name_{lang}") if unit else unit_id)

        content["unreached"] = [{"level": lv, "label_hi": rules.LEVEL_LABELS[lv][0],
                                 "label_en": rules.LEVEL_LABELS[lv][1],
                                 "names": [label(u["unit_id"], "en") for u in us], "more": max(more, 0)}
                                for lv, us, more in listed]
        content["silent_days"] = silent_days
        content["silent"] = []
        for u in silent[:rules.LIST_MAX]:
            unit = names.get(u["unit_id"])
            role = rules.call_up(u["level"])
            parent_id = unit.parent_id if unit else None
            call = {"role_hi": role[0], "role_en": role[1], "unit_hi": label(parent_id, "hi"),
                    "unit_en": label(parent_id, "en")} if role and parent_id else None
            content["silent"].append({"unit_id": u["unit_id"], "level": u["level"],
                                      "name_hi": label(u["unit_id"], "hi"), "name_en": label(u["unit_id"], "en"),
                                      "call": call})
        content["silent_more"] = max(len(silent) - rules.LIST_MAX, 0)
    if answers:
        if rank_ids and not names:  # the central digest lists no other unit: its own read
            names = store.units(rank_ids)
        content["answers"] = _name_ranked(answers, names)
    if relay_items:
        content["relay"] = _relay(relay_items, day)
    if audience == "district":
        content["agents"] = agents
    if audience == "district" and not shift:
        content.update(_followup(campaigns))
    corrections: list[store.Correction] = []
    if not shift:
        content["corrections"], corrections = _corrections(audience, period, sent, scopes, found)
    snapshot: dict[str, Any] = {"day": day_totals, "units": {u["unit_id"]: u["connects"] for u in rows}}
    if not shift:
        snapshot["campaigns"] = [list(pair) for pair in scope]
    return Built(content, snapshot, corrections)


def _corrections(audience: str, period: str, sent: dict[str, Any], scopes: dict[str, Scope],
                 found: dict[tuple[str, str], Any]) -> tuple[list[dict[str, Any]], list[store.Correction]]:
    """The day digests sent for the days checked (rules.correction_days), compared with what their
    counters say now (read with this digest's: no call log): the changed figures (the section, newest
    day first) and each changed digest brought up to date (its write, on the version read)."""
    def totals(day: str, scope: Scope) -> dict[str, int]:
        return rules.totals([counters.figures(found.get(counters.day_unit(day, cid, did))) for cid, did in scope])

    section: list[dict[str, Any]] = []
    writes: list[store.Correction] = []
    for day in sorted(sent, reverse=True):
        scope, now = scopes[day], totals(day, scopes[day])
        before = totals(rules.previous_day(day), scope)
        fresh = {"headline": rules.day_headline(now, before), "by_disposition": rules.dispositions(now, before),
                 "campaigns": {cid: {k: counters.figures(found.get(counters.day_unit(day, cid, did)))[k]
                                     for k in ("attempts", "connects")} for cid, did in scope},
                 "agents": [rules.agent_row(item.agent or item.sk[2:], counters.figures(item))
                            for item in store.partition(f"d#{day}#agents")
                            if counters.figures(item)["attempts"]] if audience == "district" else None}
        was = dict(sent[day].content or {})
        corrected = rules.corrected(was, fresh, period)
        lines = rules.changed_lines(was, corrected)
        if lines:
            section.append({"date": day, "lines": lines})
            writes.append(store.Correction(sent[day], corrected, {**(sent[day].snapshot or {}), "day": now}))
    return section, writes


def _scope_of(item: Any, campaigns: list[Any], day: str) -> Scope:
    """The campaigns a stored day digest reported (its snapshot's, or, for one stored before the
    snapshot kept them, the active campaigns that had started by that day)."""
    kept = (item.snapshot or {}).get("campaigns")
    if isinstance(kept, list):
        return [(str(cid), str(did)) for cid, did in kept]
    return [(c.campaign_id, c.district_id) for c in campaigns if c.starts_on <= day]


def _ranks_units(questions: list[dict[str, Any]] | None) -> bool:
    return any(q["kind"] == "yes_no" and q.get("per") == "unit" for q in questions or [])


def _answers(campaigns: list[Any], questions_of: dict[str, list[dict[str, Any]]], day: str,
             found: dict[tuple[str, str], Any], ranked_items: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Each campaign's answer tallies at its district, today and all time, from the counter items the
    digest read already (and, for a per-unit yes/no question, its unit items: the top and bottom units)."""
    out = []
    for c in campaigns:
        questions = questions_of.get(c.campaign_id) or []
        if not questions:
            continue
        today = counters.answers_view(found.get(counters.day_unit(day, c.campaign_id, c.district_id)), questions)
        all_time = counters.answers_view(found.get(counters.campaign_unit(c.campaign_id, c.district_id)), questions)
        units = [(i.unit_id, i.level, counters.answers_view(i, questions)) for i in ranked_items.get(c.campaign_id, [])]
        out.append({"campaign_id": c.campaign_id, "title_hi": rules.redact(c.title_hi),
                    "title_en": rules.redact(c.title_en),
                    "questions": rules.answer_questions(questions, today, all_time, units)})
    return out


def _name_ranked(answers: list[dict[str, Any]], names: dict[str, Any]) -> list[dict[str, Any]]:
    for a in answers:
        for q in a["questions"]:
            for u in (*q["ranked"]["top"], *q["ranked"]["bottom"]) if q.get("ranked") else ():
                unit = names.get(u["unit_id"])
                u["name_hi"] = rules.redact(unit.name_hi if unit else u["unit_id"])
                u["name_en"] = rules.redact(unit.name_en if unit else u["unit_id"])
    return answers


def _relay(unit_items: dict[str, list[Any]], day: str) -> list[dict[str, Any]]:
    """Each programme relay's completion per level and broken links (names redacted like every name)."""
    sections = relay.digest_section(unit_items, day, rules.LIST_MAX)
    for section in sections:
        section["title_hi"], section["title_en"] = rules.redact(section["title_hi"]), rules.redact(section["title_en"])
        for row in section["completion"]:
            row["label_hi"], row["label_en"] = rules.LEVEL_LABELS[row["level"]]
        for b in section["broken"]:
            b["name_hi"], b["name_en"] = rules.redact(b["name_hi"]), rules.redact(b["name_en"])
            b["label_hi"], b["label_en"] = rules.LEVEL_LABELS[b["level"]]
    return sections


def _followup(campaigns: list[Any]) -> dict[str, Any]:
    """Escalated units with their reasons, and verification rates per agent and per reporter (the
    reporter named by role and unit: digests carry no person's name or number)."""
    sections = followup.digest_sections(campaigns, rules.LIST_MAX)
    esc, ver = sections["escalations"], sections["verification"]
    ids = [e["unit_id"] for e in esc["items"]] + [e["parent_unit_id"] for e in esc["items"] if e["parent_unit_id"]]
    ids += [r["unit_id"] for r in ver["reporters"] if r["unit_id"]]
    names = store.units(ids)

    def name(unit_id: str | None, lang: str) -> str:
        unit = names.get(unit_id or "")
        return rules.redact(getattr(unit, f"name_{lang}") if unit else (unit_id or ""))

    items = []
    for e in esc["items"]:
        role = rules.call_up(e["level"])
        items.append({"unit_id": e["unit_id"], "name_hi": name(e["unit_id"], "hi"), "name_en": name(e["unit_id"], "en"),
                      "reason_hi": rules.redact(e["reason_hi"]), "reason_en": rules.redact(e["reason_en"]),
                      "trigger": e["trigger"], "status": e["status"],
                      "call_hi": f"{role[0]}, {name(e['parent_unit_id'], 'hi')}" if role else None,
                      "call_en": f"{role[1]}, {name(e['parent_unit_id'], 'en')}" if role else None})
    reporters = []
    for r in ver["reporters"]:
        role = rules.ROLE_NAMES.get(r["role"] or "", (r["role"] or "", r["role"] or ""))
        reporters.append({"role_hi": role[0], "role_en": role[1], "unit_hi": name(r["unit_id"], "hi"),
                          "unit_en": name(r["unit_id"], "en"), "verified": r["verified"],
                          "discrepant": r["discrepant"], "rate": r["rate"]})
    return {
        "escalations": {"open": esc["open"], "no_incharge": esc["no_incharge"], "resolved": esc["resolved"],
                        "items": items, "more": esc["more"]},
        "verification": {"verified": ver["verified"], "discrepant": ver["discrepant"],
                         "rate": rules.share(ver["discrepant"], ver["verified"]),
                         "agents": [{"agent": rules.redact(r["key"]), "verified": r["verified"],
                                     "discrepant": r["discrepant"], "rate": r["rate"]} for r in ver["agents"]],
                         "reporters": reporters},
    }


def digest(audience: str, period: str) -> dict[str, Any]:
    """The digest of a period: the stored one if it was built (what was sent), else built now and
    stored when its period is over (so every send and every preview after that is the same), with the
    earlier day digests it corrects (rules.correction_days) in the same write."""
    stored = store.get(store.digest_key(audience, period))
    if stored is not None:
        return dict(stored.content)
    for _ in range(BUILD_ATTEMPTS):
        built = _build(audience, period)
        if not _period_over(period):
            return built.content
        try:
            return dict(store.keep_first(store.digest_key(audience, period), built.content, built.snapshot,
                                         clock.iso(clock.now_utc()), built.corrections).content)
        except store.Stale:  # an earlier day's digest was corrected meanwhile: compare with it again
            count("DigestBuildStale")
    raise Conflict("the earlier digests kept changing while this one was built; try again", code="contended")


def _period_over(period: str) -> bool:
    day, shift = parse_period(period)
    now = clock.now_utc()
    if shift:
        return rules.shift_of(now) >= period
    return rules.day_of(now) >= day


# ---- sending -------------------------------------------------------------------------------------


def send(audience: str, period: str) -> dict[str, Any]:
    """Send a digest to its recipients (email) and its topic (SMS text + JSON), each once: the outbox
    key is `digest#<audience>#<period>#<recipient>#email` / `#sns`. A permanent failure raises an
    alert on the ops topic (once per key) and stays visible in the preview's deliveries."""
    content = digest(audience, period)
    config, _ = get_config()
    recipients = list(config["audiences"].get(audience, {}).get("recipients", []))
    blocked = store.suppressed(recipients)
    sender = get_settings().ses_sender
    outcomes: dict[str, str] = {}
    for to in recipients:
        key = f"digest#{audience}#{period}#{to}#email"
        if to in blocked:
            outcomes[key] = "suppressed"
            continue
        outcome = notify.send_raw_email(key, to, render.mime(content, sender, to))
        outcomes[key] = outcome.status
        if outcome.status == notify.FAILED:
            _alert(key, outcome.error_code)
    key = f"digest#{audience}#{period}#topic#sns"
    outcome = notify.publish_json(key, topic_of(audience), render.subject(content), rules.sms_text(content),
                                  rules.summary_json(content))
    outcomes[key] = outcome.status
    if outcome.status == notify.FAILED:
        _alert(key, outcome.error_code)
    count("DigestSendRuns")
    return {"audience": audience, "period": period, "outcomes": outcomes}


def _alert(key: str, code: str | None) -> None:
    logger.warning("digest delivery failed for good", extra={"key_kind": "digest", "code": code})
    notify.publish(f"alert#{key}", get_settings().ops_topic_arn, "Sampark: digest delivery failed",
                   f"A digest could not be delivered and will not be retried: {key.split('#')[1:3]} "
                   f"error {code}. See GET /digests/<date>?audience=... deliveries.")


def scheduled_day(fired_utc: Any) -> list[dict[str, Any]]:
    period = rules.day_of(fired_utc)
    return [send(audience, period) for audience in rules.AUDIENCES]


def scheduled_shift(fired_utc: Any) -> dict[str, Any]:
    return send("district", rules.shift_of(fired_utc))


# ---- preview -------------------------------------------------------------------------------------


def preview(user: Principal, date: str, audience: str | None, fmt: str | None) -> Any:
    if audience not in rules.AUDIENCES:
        raise ValidationError(f"audience is one of {list(rules.AUDIENCES)}", field="audience")
    if audience not in rules.audiences_for(user.roles):
        raise Forbidden("your role may not see this audience's digest")
    if fmt not in (None, "json", "html", "text"):
        raise ValidationError("format is json, html or text", field="format")
    parse_period(date)
    content = digest(audience, date)
    if fmt == "html":
        return "html", render.html(content)
    if fmt == "text":
        return "text", render.text(content)
    config, _ = get_config()
    recipients = config["audiences"].get(audience, {}).get("recipients", [])
    keys = [f"digest#{audience}#{date}#{to}#email" for to in recipients]
    keys.append(f"digest#{audience}#{date}#topic#sns")
    sent = store.deliveries(keys)
    office = bool({ADMIN, SUPERVISOR} & set(user.roles))  # leaders see how delivery went, not to whom
    deliveries = [{"channel": "sns" if k.endswith("#sns") else "email",
                   **({"recipient": sent[k].recipient if k in sent else None} if office else {}),
                   "status": sent[k].status if k in sent else "pending",
                   "error_code": sent[k].error_code if k in sent else None} for k in keys]
    return "json", {"digest": content, "subject": render.subject(content), "sms": rules.sms_text(content),
                    "deliveries": deliveries}


# ---- SES feedback ----------------------------------------------------------------------------------


def ses_feedback(message: dict[str, Any]) -> int:
    """An SES notification (through SNS): a permanent bounce or a complaint suppresses its addresses."""
    kind = message.get("notificationType") or message.get("eventType")
    at = clock.iso(clock.now_utc())
    addresses: list[str] = []
    if kind == "Bounce" and (message.get("bounce") or {}).get("bounceType") == "Permanent":
        addresses = [r.get("emailAddress", "") for r in message["bounce"].get("bouncedRecipients", [])]
    elif kind == "Complaint":
        complained = (message.get("complaint") or {}).get("complainedRecipients", [])
        addresses = [r.get("emailAddress", "") for r in complained]
    done = 0
    for address in addresses:
        if EMAIL.fullmatch(address or ""):
            store.suppress(address, str(kind).lower(), at)
            done += 1
    count("DigestAddressesSuppressed", done)
    return done

