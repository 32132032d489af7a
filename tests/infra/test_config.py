"""The per-stage choices in infra/cdk.json are checked before anything is built."""

from __future__ import annotations

import pytest

from infra.config import default_context, stage_config


def _context(**changes: object) -> dict[str, object]:
    context = default_context()
    context["sampark:prod"] = {**context["sampark:prod"], **changes}  # type: ignore[dict-item]
    return context


def test_the_shipped_context_is_valid() -> None:
    for stage in ("dev", "prod"):
        config = stage_config(stage, default_context())
        assert config.stage == stage and config.prefix == f"sampark-{stage}"
        assert set(config.subscribers) >= {"ops", "state", "central"}
    assert stage_config("prod", default_context()).log_retention_days == 365


@pytest.mark.parametrize(("changes", "message"), [
    ({"sender": "not an address"}, "sender must be an email"),
    ({"ses_identity": "other.org"}, "does not cover the sender"),
    ({"scale": "nation"}, "scale must be one of"),
    ({"state_emails": ["state team"]}, "not emails"),
])
def test_mistakes_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        stage_config("prod", _context(**changes))


def test_context_from_the_cli_may_be_a_json_string() -> None:
    context = default_context()
    context["sampark:prod"] = '{"sender": "calls@party.example", "ses_identity": "party.example", "scale": "state"}'
    config = stage_config("prod", context)
    assert config.load.name == "state" and config.ses_identity == "party.example"
