"""docs/openapi.yaml is the contract: every route of the app is in it and nothing else, and it is a
valid OpenAPI 3.1 document, current with the validation specs it is derived from."""

from __future__ import annotations

from typing import Any

import yaml
from openapi_spec_validator import validate as validate_spec

from app import app
from devtools import openapi

METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}


def _spec() -> dict[str, Any]:
    return dict(yaml.safe_load(openapi.SPEC_PATH.read_text(encoding="utf-8")))


def test_every_route_is_in_the_spec_and_nothing_else() -> None:
    in_app = {(m.upper(), p) for p, methods in app.routes.items() for m in methods}
    in_spec = {(m.upper(), p) for p, ops in _spec()["paths"].items() for m in ops if m in METHODS}
    missing = sorted(in_app - in_spec)
    extra = sorted(in_spec - in_app)
    message = []
    if missing:
        message.append("routes in the app but not in docs/openapi.yaml (add them to OPERATIONS in "
                       "devtools/openapi.py, then run `python -m devtools.openapi`): "
                       + ", ".join(f"{m} {p}" for m, p in missing))
    if extra:
        message.append("routes in docs/openapi.yaml but not in the app (remove them): "
                       + ", ".join(f"{m} {p}" for m, p in extra))
    assert not message, "\n".join(message)


def test_spec_is_valid_openapi_3_1() -> None:
    spec = _spec()
    assert spec["openapi"].startswith("3.1")
    validate_spec(spec)


def test_every_operation_documents_the_shared_error_shape_and_auth() -> None:
    spec = _spec()
    error = spec["components"]["schemas"]["Error"]["properties"]["error"]
    assert error["required"] == ["code", "message", "field"]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert "400" in op["responses"], f"{method} {path}"
            if op.get("security") != []:
                assert {"401", "403"} <= set(op["responses"]), f"{method} {path} lacks 401/403"


def test_spec_is_current_with_the_code() -> None:
    assert openapi.dump(openapi.build()) == openapi.SPEC_PATH.read_text(encoding="utf-8"), (
        "docs/openapi.yaml is stale: run `python -m devtools.openapi`")
