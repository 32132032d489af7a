"""A misconfigured deployment fails at its first request with a message naming the setting, never with
a setting silently replaced: numbers that are not numbers or not positive, an unknown stage, no region,
schedules that EventBridge would refuse. Unset tuning knobs take their documented defaults."""

from __future__ import annotations

import pytest

from chalicelib.core.settings import (
    DEFAULT_DIGEST_SCHEDULES,
    DEFAULT_HANDOVER_SCHEDULE,
    DEFAULT_ROSTER_SCHEDULE,
    SettingsError,
    digest_schedule,
    handover_schedule,
    load_settings,
    roster_schedule,
)
from tests.unit.test_core import BASE


@pytest.mark.parametrize(("name", "value", "message"), [
    ("SAMPARK_DDB_READ_TIMEOUT_S", "five", "must be a number, got 'five'"),
    ("SAMPARK_MAX_BODY_BYTES", "0", "must be positive"),
    ("SAMPARK_OUTBOX_LEASE_S", "-60", "must be positive"),
    ("SAMPARK_IMPORT_MAX_BYTES", "2.5e6", "must be a number"),  # whole bytes only
])
def test_a_bad_number_names_its_setting(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=f"{name} {message}"):
        load_settings({**BASE, name: value})


def test_tuning_knobs_default_when_unset_and_are_read_when_set() -> None:
    defaults = load_settings(BASE)
    assert (defaults.ddb_connect_timeout_s, defaults.ddb_read_timeout_s, defaults.ddb_max_retries) == (2, 5, 3)
    assert defaults.max_body_bytes == 65536 and defaults.import_max_bytes == 20 * 1024 * 1024
    tuned = load_settings({**BASE, "SAMPARK_DDB_READ_TIMEOUT_S": " 7 ", "SAMPARK_MAX_BODY_BYTES": "1024"})
    assert tuned.ddb_read_timeout_s == 7 and tuned.max_body_bytes == 1024


def test_an_unknown_stage_or_a_missing_region_is_refused() -> None:
    with pytest.raises(SettingsError, match="SAMPARK_STAGE must be one of"):
        load_settings({**BASE, "SAMPARK_STAGE": "production"})
    no_region = {k: v for k, v in BASE.items() if k != "AWS_REGION"}
    with pytest.raises(SettingsError, match="AWS_REGION"):
        load_settings(no_region)
    assert load_settings({**no_region, "AWS_DEFAULT_REGION": "ap-south-1"}).region == "ap-south-1"


@pytest.mark.parametrize(("read", "name"), [
    (roster_schedule, "SAMPARK_ROSTER_SCHEDULE"),
    (handover_schedule, "SAMPARK_HANDOVER_SCHEDULE"),
    (lambda env: digest_schedule("day", env), "SAMPARK_DIGEST_DAY_SCHEDULE"),
    (lambda env: digest_schedule("shift", env), "SAMPARK_DIGEST_SHIFT_SCHEDULE"),
])
def test_schedules_default_accept_cron_or_rate_and_refuse_anything_else(read, name) -> None:  # type: ignore[no-untyped-def]
    defaults = {roster_schedule: DEFAULT_ROSTER_SCHEDULE, handover_schedule: DEFAULT_HANDOVER_SCHEDULE}
    expected = defaults.get(read) or DEFAULT_DIGEST_SCHEDULES[name.split("_")[2].lower()]
    assert read({}) == expected
    assert read({name: " rate(15 minutes) "}) == "rate(15 minutes)"
    assert read({name: "cron(0 6 * * ? *)"}) == "cron(0 6 * * ? *)"
    for bad in ("every day at 6", "cron(0 6 * * ? *", "0 6 * * *"):
        with pytest.raises(SettingsError, match=name):
            read({name: bad})
