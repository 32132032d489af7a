"""The demo seeder writes only to the local stage on a 127.0.0.1 endpoint."""

import pytest

from chalicelib.core.settings import load_settings
from devtools.seed import RefusedTarget, check_local, seed_demo
from tests.unit.test_core import BASE as _CORE

BASE = {k: v for k, v in _CORE.items() if k != "SAMPARK_STAGE"}


@pytest.mark.parametrize("env", [
    {"SAMPARK_STAGE": "dev"},
    {"SAMPARK_STAGE": "prod"},
    {"SAMPARK_STAGE": "local"},  # local stage without an endpoint would write to real AWS
])
def test_seeder_refuses_anything_but_the_local_stack(env: dict[str, str]) -> None:
    settings = load_settings({**BASE, **env})
    with pytest.raises(RefusedTarget):
        check_local(settings)
    with pytest.raises(RefusedTarget):
        seed_demo(settings, None, None, "x")  # type: ignore[arg-type]  # refused before touching anything


def test_seeder_accepts_the_local_stack() -> None:
    check_local(load_settings({**BASE, "SAMPARK_STAGE": "local", "SAMPARK_AWS_ENDPOINT": "http://127.0.0.1:5001"}))
