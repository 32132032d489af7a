import io
import logging
from datetime import datetime

import pytest

from chalicelib.core import paging
from chalicelib.core.clock import IST, iso, parse_iso
from chalicelib.core.errors import ValidationError
from chalicelib.core.ids import new_id
from chalicelib.core.observability import logger, redact
from chalicelib.core.settings import SettingsError, load_settings
from chalicelib.core.validate import Field, validate

BASE = {"SAMPARK_STAGE": "dev", "AWS_REGION": "ap-south-1", "SAMPARK_TABLE_PREFIX": "p",
        "SAMPARK_USER_POOL_ID": "ap-south-1_x", "SAMPARK_USER_POOL_CLIENT_ID": "c",
        "SAMPARK_SES_SENDER": "sampark@example.org",
        "SAMPARK_ACTIVATION_QUEUE_URL": "https://sqs.ap-south-1.amazonaws.com/1/sampark-dev-campaign-activation",
        "SAMPARK_BULK_BUCKET": "sampark-dev-bulk",
        "SAMPARK_BULK_QUEUE_URL": "https://sqs.ap-south-1.amazonaws.com/1/sampark-dev-bulk",
        **{f"SAMPARK_{w}_TOPIC_ARN": f"arn:aws:sns:ap-south-1:1:sampark-dev-{w.lower()}"
           for w in ("DISTRICT", "STATE", "CENTRAL", "OPS")}}


def test_settings_need_every_resource_name() -> None:
    assert load_settings(BASE).table_name("units") == "p-units"
    for name in ("SAMPARK_STAGE", "SAMPARK_TABLE_PREFIX", "SAMPARK_USER_POOL_ID", "SAMPARK_USER_POOL_CLIENT_ID",
                 "SAMPARK_ACTIVATION_QUEUE_URL", "SAMPARK_SES_SENDER"):
        env = {k: v for k, v in BASE.items() if k != name}
        with pytest.raises(SettingsError, match=name):
            load_settings(env)


def test_settings_refuse_a_remote_endpoint_and_endpoints_outside_local() -> None:
    with pytest.raises(SettingsError):
        load_settings({**BASE, "SAMPARK_AWS_ENDPOINT": "http://127.0.0.1:5001"})  # dev stage
    with pytest.raises(SettingsError):
        load_settings({**BASE, "SAMPARK_STAGE": "local", "SAMPARK_AWS_ENDPOINT": "http://10.0.0.5:5001"})
    local = load_settings({**BASE, "SAMPARK_STAGE": "local", "SAMPARK_AWS_ENDPOINT": "http://127.0.0.1:5001"})
    assert local.is_local_endpoint
    assert local.jwks_url == "http://127.0.0.1:5001/ap-south-1_x/.well-known/jwks.json"
    assert load_settings(BASE).jwks_url == (
        "https://cognito-idp.ap-south-1.amazonaws.com/ap-south-1_x/.well-known/jwks.json")


def test_database_timeouts_fit_inside_api_gateway() -> None:
    s = load_settings(BASE)
    assert (s.ddb_connect_timeout_s + s.ddb_read_timeout_s) * (s.ddb_max_retries + 1) < 29


def test_validate_rejects_unknown_fields_wrong_types_and_names_the_field() -> None:
    spec = {"n": Field("int", required=True, minimum=1), "s": Field("str", max_len=3),
            "o": Field("object", fields={"x": Field("bool", required=True)})}
    assert validate({"n": 2, "s": " ab ", "o": {"x": True}}, spec) == {"n": 2, "s": "ab", "o": {"x": True}}
    cases = [({"n": 1, "extra": 1}, "extra", "unknown_field"), ({}, "n", "required"),
             ({"n": True}, "n", "invalid"), ({"n": "1"}, "n", "invalid"), ({"n": 0}, "n", "invalid"),
             ({"n": 1, "s": "abcd"}, "s", "invalid"), ({"n": 1, "o": {"x": "yes"}}, "o.x", "invalid"),
             ({"n": 1, "o": {}}, "o.x", "required")]
    for body, field, code in cases:
        with pytest.raises(ValidationError) as err:
            validate(body, spec)
        assert (err.value.field, err.value.code) == (field, code), body
    with pytest.raises(ValidationError):
        validate([1, 2], spec)


def test_cursor_round_trip_and_tampering() -> None:
    key = {"a": {"S": "1"}, "b": {"S": "x/y"}}
    cursor = paging.encode_cursor(key)
    assert cursor and paging.decode_cursor(cursor, ["a", "b"]) == key
    wrong_keys = paging.encode_cursor({"a": {"S": "1"}})
    wrong_type = paging.encode_cursor({"a": {"N": "1"}, "b": {"S": ""}})
    for bad in ["!!!", "e30", wrong_keys, wrong_type]:
        with pytest.raises(ValidationError):
            paging.decode_cursor(bad, ["a", "b"])
    with pytest.raises(ValidationError):
        paging.page_request({"limit": "101"}, ["a"])
    with pytest.raises(ValidationError):
        paging.page_request({"limit": "-1"}, ["a"])
    assert paging.page_request({}, ["a"]).limit == paging.DEFAULT_PAGE


def test_times_are_utc_iso_and_naive_times_are_refused() -> None:
    dt = datetime(2026, 11, 29, 15, 30, tzinfo=IST)
    assert iso(dt) == "2026-11-29T10:00:00.000Z"
    assert parse_iso("2026-11-29T15:30:00+05:30") == dt
    with pytest.raises(ValueError):
        parse_iso("2026-11-29T15:30:00")


def test_ids_are_unique_and_ordered() -> None:
    ids = [new_id("ct") for _ in range(1000)]
    assert len(set(ids)) == 1000
    assert all(len(i) == 29 and i.startswith("ct_") for i in ids)


@pytest.mark.parametrize("text", ["call +91 98765 43210 now", "9876543210", "098765-43210", "९८७६५४३२१०"])
def test_redaction_masks_phone_like_digit_runs(text: str) -> None:
    out = redact(text)
    assert "98765" not in out and "९८७६५" not in out
    assert "3210" in out or "३२१०" in text


def test_redaction_leaves_dates_alone_but_not_a_number_after_one() -> None:
    assert redact('"period": "2026-11-23", "day": "2026-11-29 06:49:14"') == \
        '"period": "2026-11-23", "day": "2026-11-29 06:49:14"'
    assert redact("on 2026-11-23 98765 43210") == "on 2026-11-23 ***3210"
    assert redact("2026-11-23-9876543210") == "2026-11-23-***3210"


def test_no_phone_reaches_a_log_line() -> None:
    buffer = io.StringIO()
    handler = logger.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    previous = handler.setStream(buffer)
    level = logger.log_level
    try:
        logger.setLevel(logging.INFO)
        logger.info("dialled 9876543210", extra={"phone": "+919876543210"})
    finally:
        handler.setStream(previous)
        logger.setLevel(level)
    out = buffer.getvalue()
    assert "dialled" in out and "9876543210" not in out and "***3210" in out


def test_request_log_lines_keep_their_own_route_when_requests_overlap_on_threads() -> None:
    """`chalice local` serves on threads: two overlapping requests each log their own route and
    correlation id (shared logger keys once labelled a POST /calls line with another request's)."""
    import io
    import json
    import threading
    from types import SimpleNamespace

    from chalice import Response

    from chalicelib.core import observability

    both_inside = threading.Barrier(2, timeout=10)

    def event(method: str, path: str, cid: str) -> SimpleNamespace:
        return SimpleNamespace(method=method, path=path, headers={"x-correlation-id": cid},
                               context={"resourcePath": path})

    def handle(ev: SimpleNamespace, status: int) -> None:
        def get_response(_: object) -> Response:
            both_inside.wait()
            return Response(body={}, status_code=status)

        observability.http_middleware(ev, get_response)

    stream = io.StringIO()
    handler = observability.logger.registered_handler
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    level = observability.logger.log_level
    observability.logger.setLevel("INFO")
    try:
        threads = [threading.Thread(target=handle, args=(event("POST", "/calls", "call-1"), 201)),
                   threading.Thread(target=handle, args=(event("GET", "/board", "board-1"), 200))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]
        observability.logger.setLevel(level)
    lines = [json.loads(x) for x in stream.getvalue().splitlines() if '"request"' in x]
    seen = {(x["route"], x["correlation_id"], x["status"]) for x in lines}
    assert seen == {("POST /calls", "call-1", 201), ("GET /board", "board-1", 200)}, lines


# ---- issue 14: the caller's profile, odd bodies, text hygiene, HTML headers ------------------------


def test_the_profile_cache_is_bounded_by_settings_and_zero_turns_it_off() -> None:
    assert load_settings(BASE).profile_cache_s == 30
    assert load_settings({**BASE, "SAMPARK_PROFILE_CACHE_S": "0"}).profile_cache_s == 0
    assert load_settings({**BASE, "SAMPARK_PROFILE_CACHE_S": "60"}).profile_cache_s == 60
    for bad in ("61", "-1", "3600", "1.5", "x", "²"):
        with pytest.raises(SettingsError, match="SAMPARK_PROFILE_CACHE_S"):
            load_settings({**BASE, "SAMPARK_PROFILE_CACHE_S": bad})


def test_a_cached_profile_is_read_again_after_its_time_and_forgotten_on_demand(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.core import access, settings
    from chalicelib.core.auth import Principal
    from chalicelib.core.errors import Unauthorized

    profiles = {"asha": access.Profile("supervisor", True)}
    reads: list[str] = []

    def source(username: str) -> access.Profile | None:
        reads.append(username)
        return profiles.get(username)

    now = [1000.0]
    monkeypatch.setattr(access.time, "monotonic", lambda: now[0])
    current = load_settings({**BASE, "SAMPARK_PROFILE_CACHE_S": "30"})
    monkeypatch.setattr(access, "get_settings", lambda: current)
    access.use_profiles(source)
    try:
        token = Principal("asha", "sub", frozenset({"supervisor"}))
        access.confirm(token)
        profiles["asha"] = access.Profile("agent", True)  # demoted in another container
        now[0] += 29
        access.confirm(token)  # still trusted: within the cache's 30 s
        assert reads == ["asha"]
        now[0] += 2
        with pytest.raises(Unauthorized) as refused:
            access.confirm(token)
        assert refused.value.code == "role_changed" and reads == ["asha", "asha"]
        profiles["asha"] = access.Profile("agent", False)
        access.forget("asha")  # deactivated through this container: read again at once
        with pytest.raises(Unauthorized) as inactive:
            access.confirm(Principal("asha", "sub", frozenset({"agent"})))
        assert inactive.value.code == "account_inactive"
        access.confirm(Principal("nobody", "sub", frozenset({"admin"})))  # no profile: the token decides
        current = settings.load_settings({**BASE, "SAMPARK_PROFILE_CACHE_S": "0"})
        for _ in range(3):
            access.confirm(Principal("nobody", "sub", frozenset({"admin"})))
        assert reads.count("nobody") == 4  # once cached at 30 s, then every time at 0
    finally:
        access.use_profiles(None)


def test_json_nesting_is_measured_outside_strings() -> None:
    from chalicelib.core.http import _nesting

    assert _nesting('{"a": [1, {"b": []}]}') == 4
    assert _nesting('{"a": "[[[[{{{{"}') == 1
    assert _nesting('{"a": "\\"[[[["}') == 1
    assert _nesting("[" * 40) == 40
    assert _nesting("1") == 0


@pytest.mark.parametrize("text", ["Ram\x00", "\x1b[0m", "a\x85b", "\u202eabc", "\u2067x", "\u200b", "\u200d\u200c",
                                  "\ufeff ", "\u00ad"])
def test_text_with_controls_overrides_or_nothing_visible_is_refused(text: str) -> None:
    from chalicelib.core.validate import check_text

    with pytest.raises(ValidationError) as refused:
        validate({"name": text}, {"name": Field("str")})
    assert refused.value.field == "name" and refused.value.code == "invalid_text"
    with pytest.raises(ValidationError):
        check_text(text, "name")


def test_text_people_write_is_kept() -> None:
    from chalicelib.core.validate import name_field

    for text in ("राम यादव", "क्\u200dष", "O'Brien-Smith", "Ram 😀", "ज़ैनब \u200cअली"):
        assert validate({"name": text}, {"name": name_field()}) == {"name": text}
    assert validate({"notes": "a\nb\tc"}, {"notes": Field("str")}) == {"notes": "a\nb\tc"}
    with pytest.raises(ValidationError):
        validate({"name": "a\nb"}, {"name": name_field()})


def test_every_html_answer_gets_the_security_headers_and_chalices_errors_get_the_error_shape() -> None:
    import json

    from chalice import Response

    from chalicelib.core.http import HTML_CSP, response_middleware

    html = response_middleware(None, lambda _: Response("<p>x</p>", headers={"Content-Type": "text/html"}))
    assert html.headers["X-Frame-Options"] == "DENY" and html.headers["X-Content-Type-Options"] == "nosniff"
    assert html.headers["Content-Security-Policy"].startswith(HTML_CSP)
    own = response_middleware(None, lambda _: Response("<p>x</p>", headers={
        "content-type": "text/html; charset=utf-8", "Content-Security-Policy": "default-src 'none'"}))
    assert own.headers["Content-Security-Policy"] == "default-src 'none'"  # a page's own policy is kept
    data = response_middleware(None, lambda _: Response("{}", headers={"Content-Type": "application/json"}))
    assert "X-Frame-Options" not in data.headers
    refused = response_middleware(None, lambda _: Response({"Code": "MethodNotAllowedError", "Message": "no"},
                                                           status_code=405, headers={"Allow": "GET"}))
    assert refused.status_code == 405 and refused.headers["Allow"] == "GET"
    assert json.loads(refused.body) == {"error": {"code": "method_not_allowed", "message": "no", "field": None}}
