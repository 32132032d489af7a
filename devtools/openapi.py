"""docs/openapi.yaml, derived from the app: its routes (app.routes), their roles (core.http.ROUTE_ROLES)
and the validation specs the services apply (core.validate.Field mappings), so the contract cannot
drift from the code silently. `python -m devtools.openapi` rewrites the file; `--check` fails when it
differs. tests/api/test_openapi.py names any route missing on either side.

A route added to the app needs an entry in OPERATIONS below (summary, body spec, query parameters,
success status); an unknown route makes the generator stop with its name.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"

ERRORS = {
    400: "Invalid input (field names the offending field); malformed_json also for JSON nested deeper than 32 "
         "levels, invalid_unicode for a lone UTF-16 surrogate, invalid_text for control characters, bidi "
         "overrides or nothing visible",
    401: "Missing, expired or invalid bearer token, or one the caller's profile no longer backs "
         "(account_inactive, role_changed)",
    403: "Your role may not use this route",
    404: "Not found",
    409: "Conflict: a version, state or idempotency precondition failed",
    413: "Request body larger than the cap",
    415: "Body is not application/json",
    429: "Too many requests (Retry-After says when to retry)",
    503: "A dependency is unavailable: retry (Retry-After)",
}
PAGE = [
    {"name": "limit", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}},
    {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 2048}},
]
DATE = {"type": "string", "pattern": r"^(\d{4}-\d{2}-\d{2})?$"}  # empty: the default (today)


def _q(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


# (METHOD, path) -> summary, body ("module:NAME" of a Field mapping, an inline JSON schema, or None),
# query parameters, success status, response media type.
OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/"): {"summary": "The web client's page", "media": "text/html"},
    ("GET", "/app/{name}"): {"summary": "A static asset of the web client", "media": "*/*"},
    ("GET", "/sw.js"): {"summary": "The web client's service worker", "media": "text/javascript"},
    ("GET", "/health"): {"summary": "Liveness; touches nothing"},
    ("POST", "/auth/login"): {"summary": "Sign in with username and password",
                              "body": "chalicelib.accounts.routes:LOGIN",
                              "refusals": {429: "too_many_attempts: 5 refused passwords or 30 attempts for this "
                                                "username from this address, 50 refused passwords for this "
                                                "username from all addresses, or 300 attempts from this "
                                                "address, in its 15-minute window; Retry-After (and "
                                                "error.retry_after_s) is the seconds until the window closes. "
                                                "sign_in_paused: the login service paused the username after "
                                                "repeated failures. In AWS, WAF also answers 429 "
                                                "too_many_attempts above 100 sign-in requests per address per "
                                                "5 minutes"}},
    ("POST", "/auth/refresh"): {"summary": "New tokens from a refresh token",
                                "body": "chalicelib.accounts.routes:REFRESH"},
    ("POST", "/auth/new-password"): {"summary": "Set the password on first sign-in",
                                     "body": "chalicelib.accounts.routes:NEW_PASSWORD"},
    ("GET", "/me"): {"summary": "Who am I"},
    ("GET", "/units"): {"summary": "Top-level units", "query": PAGE},
    ("PUT", "/units/{unit_id}"): {"summary": "Create or update a unit", "body": "chalicelib.org.units:UNIT_SPEC",
                                  "status": 201},
    ("GET", "/units/{unit_id}"): {"summary": "A unit"},
    ("GET", "/units/{unit_id}/children"): {"summary": "A unit's children", "query": PAGE},
    ("GET", "/units/{unit_id}/contacts"): {"summary": "Contacts in a unit's subtree (phones masked)",
                                           "query": [*PAGE, _q("role", {"type": "string"})]},
    ("GET", "/contacts/{contact_id}/campaigns"): {
        "summary": "The campaigns a contact is in: per campaign its titles, kind and status, and the contact's "
                   "call target (status, outcome, attempts, last disposition and when, callback time, who holds "
                   "a live lease); no phone, no notes; pages of at most 50",
        "query": [{"name": "limit", "in": "query", "required": False,
                   "schema": {"type": "integer", "minimum": 1, "maximum": 50, "default": 20}},
                  {"name": "cursor", "in": "query", "required": False,
                   "schema": {"type": "string", "maxLength": 2048}}]},
    ("GET", "/contacts/search"): {"summary": "Find contacts of a district by a phone written any way (the phone "
                                             "claim) or a name prefix in Devanagari or Latin (the name indexes); "
                                             "masked",
                                  "query": [*PAGE, {"name": "q", "in": "query", "required": True,
                                                    "schema": {"type": "string", "maxLength": 60}},
                                            _q("district", {"type": "string", "maxLength": 64})]},
    ("GET", "/units/{unit_id}/contacts/count"): {"summary": "How many contacts of the unit's subtree have these "
                                                            "roles (exact false: a lower bound)",
                                                 "query": [_q("roles", {"type": "string"})]},
    ("POST", "/contacts"): {"summary": "Create a contact (Idempotency-Key)",
                            "body": "chalicelib.org.service:CONTACT_SPEC", "status": 201, "idempotent": True},
    ("GET", "/contacts/{contact_id}"): {"summary": "A contact",
                                        "query": [_q("reveal", {"type": "string", "enum": ["true", "false"]})]},
    ("PATCH", "/contacts/{contact_id}"): {"summary": "Update a contact (version)",
                                          "body": "chalicelib.org.service:PATCH_SPEC"},
    ("DELETE", "/contacts/{contact_id}"): {"summary": "Erase a contact and its personal data; withdraw every "
                                                      "export and import report that holds them"},
    ("POST", "/contacts/{contact_id}/opt-out"): {"summary": "Opt a contact out of calls"},
    ("GET", "/contacts/{contact_id}/calls"): {"summary": "A contact's call history (the read is audited)",
                                              "query": PAGE},
    ("GET", "/contacts/{contact_id}/audit"): {"summary": "Who saw or changed a contact's personal data, newest first",
                                              "query": PAGE},
    ("GET", "/audit"): {"summary": "What one person saw or changed, newest first (from/to: IST days, both "
                                   "included, or instants with their offset, `to` excluded)",
                        "query": [{"name": "actor", "in": "query", "required": True,
                                   "schema": {"type": "string", "maxLength": 128}},
                                  _q("from", {"type": "string", "maxLength": 40}),
                                  _q("to", {"type": "string", "maxLength": 40}), *PAGE]},
    ("POST", "/campaigns"): {"summary": "Create a campaign (Idempotency-Key)",
                             "body": "chalicelib.campaigns.definition:FIELDS", "status": 201, "idempotent": True},
    ("GET", "/campaigns"): {"summary": "Campaigns by status",
                            "query": [*PAGE, _q("status", {"type": "string"}), _q("district", {"type": "string"})]},
    ("GET", "/campaigns/{campaign_id}"): {"summary": "A campaign"},
    ("PATCH", "/campaigns/{campaign_id}"): {"summary": "Edit a draft campaign (version)",
                                            "body": "chalicelib.campaigns.definition:PATCH_SPEC"},
    ("POST", "/campaigns/{campaign_id}/activate"): {"summary": "Activate: build the call queue", "status": 202},
    ("POST", "/campaigns/{campaign_id}/close"): {"summary": "Close a campaign"},
    ("POST", "/campaigns/{campaign_id}/next"): {
        "summary": "Lease the next call to make",
        "query": [_q("resume", {"type": "string", "maxLength": 2048})],
        "refusals": {429: "too_fast: more than SAMPARK_PACING_MAX_LEASES (default 10) new contacts in a "
                          "SAMPARK_PACING_WINDOW_S (default 120 s) window; Retry-After (and "
                          "error.retry_after_s) is the seconds until the window ends. queue_busy: the request "
                          "spent its 5 DynamoDB calls on contacts colleagues took at that instant; ask again "
                          "after Retry-After, with error.details.resume as ?resume= when it is given (where "
                          "the queue goes on)"}},
    ("GET", "/campaigns/{campaign_id}/progress"): {
        "summary": "Counters of a campaign at a unit (all time, or one IST day with date): dispositions, coverage, "
                   "answer tallies per question, and a page of child units (at most 45) each with its own",
        "query": [*PAGE, _q("unit", {"type": "string"}), _q("date", DATE)]},
    ("GET", "/campaigns/{campaign_id}/overview"): {
        "summary": "The campaign page's one read: facts, figures at the unit in view and today, a row per child "
                   "unit (paged), breadcrumb, relay view, escalations (whom to call: office only); aggregates "
                   "only for leaders",
        "query": [*PAGE, _q("unit", {"type": "string"})]},
    ("GET", "/campaigns/{campaign_id}/relay"): {
        "summary": "A programme relay under a unit: states, broken links, completion per level",
        "query": [*PAGE, _q("unit", {"type": "string"})]},
    ("POST", "/calls"): {"summary": "Record a call (idempotent on call_id; a call sent after its lease lapsed is "
                                    "recorded late, with late: true)",
                         "body": ("chalicelib.calls.service:CALL_SPEC",
                                  {"answers": {"type": ["object", "null"]}}), "status": 201,
                         "refusals": {409: "call_id_taken: the call_id is another agent's call (its result is "
                                           "replayed only to its agent or a supervisor); call_id_reused: the same "
                                           "call_id with another body; lease_not_held: this agent was never "
                                           "handed the contact for this call; contended"}},
    ("GET", "/me/calls"): {"summary": "My calls of a day", "query": [*PAGE, _q("date", DATE)]},
    ("GET", "/me/callbacks"): {"summary": "My callbacks due", "query": PAGE},
    ("GET", "/me/shift"): {"summary": "My shift"},
    ("GET", "/me/today"): {"summary": "My day"},
    ("GET", "/board"): {"summary": "The wall board: seat map with each agent's state, today's figures, campaigns, "
                                   "escalations, pacing; agents 100 a page (states and totals over everyone)",
                        "query": [*PAGE, _q("campaigns_cursor", {"type": "string", "maxLength": 2048})]},
    ("GET", "/reports/agents"): {
        "summary": "Agents' attendance and performance per IST day over from..to (at most 93 days, not in the "
                   "future), with totals; paged by agent (cursor); employer filters (400 unknown_employer)",
        "query": [*PAGE, _q("from", DATE), _q("to", DATE), _q("employer", {"type": "string", "maxLength": 40})]},
    ("GET", "/reports/flags"): {"summary": "The quality-flagged calls of an IST day (default today), oldest first; "
                                           "one agent's with agent",
                                "query": [*PAGE, _q("day", DATE), _q("agent", {"type": "string", "maxLength": 64})]},
    ("POST", "/reports/flags/{call_id}/recheck"): {
        "summary": "Put a call's report into its campaign's verification campaign (once: status added or already)",
        "refusals": {409: "not_verifiable: not a connected call of an outreach campaign, or the person opted out"}},
    ("GET", "/reports/vendor"): {"summary": "The month per employer (seat-days rostered and staffed per shift, "
                                            "hours, calls, verification, attendance) and, for supervisors and "
                                            "admins, per agent; leaders get the employers' totals only",
                                 "query": [_q("month", {"type": "string", "pattern": r"^\d{4}-\d{2}$"})]},
    ("GET", "/campaigns/{campaign_id}/escalations"): {
        "summary": "A campaign's escalated units (whom to call, and why)",
        "query": [*PAGE, _q("status", {"type": "string", "enum": ["open", "resolved", "no_incharge"]})]},
    ("POST", "/agents"): {"summary": "Create an agent", "body": "chalicelib.shifts.agents:AGENT_SPEC", "status": 201},
    ("GET", "/agents"): {"summary": "Agents, or those whose login name or name (Hindi or English) starts with q; "
                                    "each with a duty override in force (until, reason, set by, set at)",
                         "query": [*PAGE, _q("role", {"type": "string"}),
                                   _q("q", {"type": "string", "maxLength": 60}),
                                   _q("employer", {"type": "string", "maxLength": 40})]},
    ("POST", "/agents/{username}/password-reset"): {"summary": "Reset an agent's password (admin): a temporary "
                                                               "password shown once; the next sign-in sets a new one"},
    ("GET", "/agents/{username}"): {"summary": "An agent"},
    ("PATCH", "/agents/{username}"): {"summary": "Update an agent (version)",
                                      "body": "chalicelib.shifts.agents:AGENT_PATCH_SPEC"},
    ("POST", "/agents/{username}/leaves"): {"summary": "Add a leave (Idempotency-Key)",
                                            "body": "chalicelib.shifts.leaves:LEAVE_SPEC", "status": 201,
                                            "idempotent": True},
    ("GET", "/agents/{username}/leaves"): {"summary": "An agent's leaves", "query": PAGE},
    ("DELETE", "/agents/{username}/leaves/{leave_id}"): {"summary": "Withdraw a leave"},
    ("GET", "/agents/{username}/duty"): {"summary": "Whether an agent is on duty now, and why"},
    ("POST", "/agents/{username}/duty-override"): {"summary": "Put an agent on duty until a time",
                                                   "body": "chalicelib.shifts.overrides:OVERRIDE_SPEC"},
    ("DELETE", "/agents/{username}/duty-override"): {"summary": "Lift an agent's duty override"},
    ("GET", "/settings/seats"): {"summary": "Seats (rooms)"},
    ("PUT", "/settings/seats"): {"summary": "Replace the seats (version)", "body": {
        "type": "object", "required": ["version"],
        "properties": {"version": {"type": "integer", "minimum": 0}, "rooms": {"type": "array"},
                       "seat_count": {}}}},
    ("GET", "/settings/shifts"): {"summary": "Shift settings"},
    ("PUT", "/settings/shifts"): {"summary": "Replace the shift settings (version)", "body": {
        "type": "object", "required": ["version"],
        "properties": {"version": {"type": "integer", "minimum": 0}, "shifts": {"type": "array"},
                       "period_weeks": {"type": "integer"}, "working_days": {"type": "array"},
                       "timezone": {}}}},
    ("GET", "/settings/employers"): {"summary": "Employers of the agents and supervisors (the party's own staff "
                                                "built in, then the firms)"},
    ("PUT", "/settings/employers"): {"summary": "Replace the list of employers (version); one that still has "
                                                "people is refused (409 employer_in_use)",
                                     "body": "chalicelib.shifts.employers:BODY_SPEC"},
    ("GET", "/settings/calling"): {"summary": "Calling settings (daily call cap per person, idle limit, late "
                                              "grace, the quality flags' limits)"},
    ("PUT", "/settings/calling"): {"summary": "Replace the calling settings (version)", "body": {
        "type": "object", "required": ["version"],
        "properties": {"version": {"type": "integer", "minimum": 0},
                       **{name: {"type": "integer", "minimum": low, "maximum": high}  # shifts/calling.py LIMITS
                          for name, (low, high) in {"daily_call_cap": (1, 20), "idle_limit_minutes": (1, 240),
                                                    "late_grace_minutes": (0, 120), "short_connect_s": (1, 600),
                                                    "rapid_calls_per_minute": (1, 60),
                                                    "same_answers_run": (2, 100)}.items()}},
        "additionalProperties": False}},
    ("POST", "/rosters/{period}/generate"): {"summary": "Generate or revise a period's roster",
                                             "body": {"type": "object", "properties": {"force": {"type": "boolean"}},
                                                      "additionalProperties": False}, "status": 201},
    ("POST", "/handovers/{day}/{shift}"): {"summary": "Hand over an ended shift (leases released, callbacks "
                                                      "to the seat partner); the schedule runs the same"},
    ("GET", "/rosters/{period}"): {"summary": "A period's roster",
                                   "query": [*PAGE, _q("rev", {"type": "string"})]},
    ("POST", "/imports"): {"summary": "Start a contact import (Idempotency-Key)",
                           "body": "chalicelib.imports.service:CREATE_SPEC", "status": 201, "idempotent": "required"},
    ("GET", "/imports"): {"summary": "Earlier imports, newest first: who, when, kind, file, status, counts and the "
                                     "error report's link while there is one (none once withdrawn)",
                          "query": [*PAGE, _q("kind", {"type": "string", "enum": ["contacts", "units", "dnc"]})]},
    ("GET", "/exports"): {"summary": "Earlier exports, newest first: who, when, kind, unit, phones masked or full, "
                                     "status, rows and the file's link while there is one (none once withdrawn)",
                          "query": [*PAGE, _q("kind", {"type": "string",
                                                       "enum": ["contacts", "campaign_results", "call_logs"]})]},
    ("GET", "/imports/{import_id}"): {"summary": "An import's progress and report",
                                      "refusals": {410: "withdrawn: a person its files held was erased; "
                                                        "the files are deleted"}},
    ("POST", "/exports"): {"summary": "Start an export (Idempotency-Key)",
                           "body": "chalicelib.exports.service:CREATE_SPEC", "status": 201, "idempotent": "required"},
    ("GET", "/exports/{export_id}"): {"summary": "An export's progress and download links",
                                      "refusals": {410: "withdrawn: a person in the file was erased; the file "
                                                        "is deleted, make a new export"}},
    ("GET", "/digests"): {"summary": "The digest archive: each day's digest of the caller's audience as stored "
                                     "when sent, days with none listed",
                          "query": [_q("audience", {"type": "string"}), _q("until", DATE),
                                    _q("days", {"type": "integer", "minimum": 1, "maximum": 31})]},
    ("GET", "/digests/{date}"): {"summary": "Preview a digest: date is YYYY-MM-DD (or .morning/.evening), a real "
                                            "day from 2020-01-01 to tomorrow IST; a day digest carries corrections "
                                            "for earlier days",
                                 "media": ["application/json", "text/html",
                                                                         "text/plain"],
                                 "query": [_q("audience", {"type": "string"}),
                                           _q("format", {"type": "string"})]},
    ("GET", "/settings/digests"): {"summary": "Digest recipients"},
    ("PUT", "/settings/digests"): {"summary": "Replace the digest recipients (version)", "body": {
        "type": "object", "required": ["version", "audiences"],
        "properties": {"version": {"type": "integer", "minimum": 0}, "audiences": {"type": "object"},
                       "silent_days": {"type": "integer", "minimum": 1, "maximum": 30}}}},
}


def field_schema(spec: Any) -> dict[str, Any]:
    """JSON schema of one core.validate.Field."""
    kind = spec.kind
    schema: dict[str, Any]
    if kind == "str":
        schema = {"type": "string", "maxLength": spec.max_len}
        if spec.min_len or spec.required:
            schema["minLength"] = max(spec.min_len, 1 if spec.required else 0)
        if spec.choices:
            schema["enum"] = list(spec.choices)
        if spec.pattern:
            schema["pattern"] = f"^(?:{spec.pattern})$"
    elif kind in ("int", "number"):
        schema = {"type": "integer" if kind == "int" else "number"}
        if spec.minimum is not None:
            schema["minimum"] = spec.minimum
        if spec.maximum is not None:
            schema["maximum"] = spec.maximum
    elif kind == "bool":
        schema = {"type": "boolean"}
    elif kind == "datetime":
        schema = {"type": "string", "format": "date-time", "maxLength": 40}
    elif kind == "list":
        schema = {"type": "array", "maxItems": spec.max_items, "items": field_schema(spec.item)}
    elif kind == "object":
        schema = object_schema(spec.fields)
    else:
        raise ValueError(f"unknown field kind {kind}")
    if spec.nullable:
        schema["type"] = [schema["type"], "null"] if "type" in schema else schema.get("type")
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
    return schema


def object_schema(fields: Mapping[str, Any], extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    props = {name: field_schema(f) for name, f in fields.items()}
    props.update(extra or {})
    schema: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    required = [name for name, f in fields.items() if f.required]
    if required:
        schema["required"] = required
    return schema


def _resolve(ref: str) -> Mapping[str, Any]:
    import importlib

    module, name = ref.split(":")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def _body_schema(body: Any) -> dict[str, Any] | None:
    if body is None:
        return None
    if isinstance(body, str):
        return object_schema(_resolve(body))
    if isinstance(body, tuple):
        return object_schema(_resolve(body[0]), body[1])
    return dict(body)


def build() -> dict[str, Any]:
    from app import app
    from chalicelib.core.http import ROUTE_ROLES

    unknown = sorted(f"{m} {p}" for p, methods in app.routes.items() for m in methods if (m, p) not in OPERATIONS)
    if unknown:
        raise SystemExit("devtools/openapi.py: describe these routes in OPERATIONS: " + ", ".join(unknown))
    paths: dict[str, Any] = {}
    for path in sorted(app.routes):
        for method in sorted(app.routes[path]):
            op_info = OPERATIONS[(method, path)]
            roles = ROUTE_ROLES.get((method, path))
            view = app.routes[path][method].view_name
            op: dict[str, Any] = {"operationId": view, "summary": op_info["summary"]}
            if roles is None:
                op["security"] = []
            else:
                op["description"] = "Roles: " + ", ".join(sorted(roles)) + "."
            params = [{"name": name, "in": "path", "required": True,
                       "schema": {"type": "string", "minLength": 1, "maxLength": 200}}
                      for name in [seg[1:-1] for seg in path.split("/") if seg.startswith("{")]]
            if op_info.get("idempotent"):
                params.append({"name": "Idempotency-Key", "in": "header",
                               "required": op_info["idempotent"] == "required",
                               "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"}})
            params += op_info.get("query", [])
            if params:
                op["parameters"] = params
            body = _body_schema(op_info.get("body"))
            if body is not None:
                op["requestBody"] = {"required": method != "POST" or "required" in body,
                                     "content": {"application/json": {"schema": body}}}
            media = op_info.get("media", "application/json")
            media_types = media if isinstance(media, list) else [media]
            content = {m: {"schema": {"type": "object"}} if m == "application/json" else {"schema": {"type": "string"}}
                       for m in media_types}
            responses: dict[str, Any] = {str(op_info.get("status", 200)): {"description": "OK", "content": content}}
            if media != "application/json" and roles is None:
                responses["304"] = {"description": "Not modified (If-None-Match matched the ETag)"}
            if op_info.get("status", 200) != 200:
                responses["200"] = {"description": "Already done (an idempotent replay or an update)",
                                    "content": content}
            codes = [400, 404, 429, 503]
            if roles is not None:
                codes += [401, 403]
            elif path.startswith("/auth/"):
                codes += [401]  # wrong password, refresh token or session
            if method in ("POST", "PUT", "PATCH", "DELETE"):
                codes += [409]
            if method in ("POST", "PUT", "PATCH"):
                codes += [413, 415]
            for code in sorted(codes):
                responses[str(code)] = {"$ref": f"#/components/responses/E{code}"}
            for code, text in op_info.get("refusals", {}).items():  # a route's own refusal, said in full
                responses[str(code)] = {
                    "description": text,
                    "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}} if code in (429, 503)
                    else {},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            op["responses"] = responses
            paths.setdefault(path, {})[method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "Sampark API", "version": "1.0.0",
                 "description": "Generated by `python -m devtools.openapi` from the app's routes and "
                                "validation specs. Every error has the shape {error: {code, message, field}}."},
        "servers": [{"url": "http://127.0.0.1:8000", "description": "chalice local"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                                           "description": "A Cognito id token; its groups are the roles."}},
            "schemas": {"Error": {
                "type": "object", "required": ["error"],
                "properties": {"error": {
                    "type": "object", "required": ["code", "message", "field"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                                   "field": {"type": ["string", "null"]}}}}}},
            "responses": {f"E{code}": {"description": text,
                                       "content": {"application/json": {
                                           "schema": {"$ref": "#/components/schemas/Error"}}}}
                          for code, text in ERRORS.items()},
        },
    }


def dump(spec: dict[str, Any]) -> str:
    import yaml  # PyYAML: a dev dependency (schemathesis brings it), never in the Lambda package

    header = "# Generated by `python -m devtools.openapi` from app.routes and the validation specs. Do not edit.\n"
    return header + str(yaml.safe_dump(json.loads(json.dumps(spec)), sort_keys=False, allow_unicode=True, width=110))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if docs/openapi.yaml is not current")
    args = parser.parse_args(argv)
    text = dump(build())
    if args.check:
        if SPEC_PATH.read_text(encoding="utf-8") != text:
            print("docs/openapi.yaml is stale: run python -m devtools.openapi", file=sys.stderr)
            return 1
        return 0
    SPEC_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {SPEC_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
