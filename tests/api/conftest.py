"""Routes and stores under moto in-process: a fresh mock account per test, with the tables and the
user pool made from the app's own definitions, and real Cognito tokens for each role (built once per test
process and copied into each test's mock: `aws`)."""

from __future__ import annotations

import copy
import importlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

from app import app
from chalicelib.core import db
from chalicelib.core.auth import ALL_ROLES, JWKS
from chalicelib.core.clients import reset_clients
from chalicelib.core.settings import reset_settings
from chalicelib.shifts.config import reset_duty_cache
from devtools import account
from devtools.provision import create_user

PASSWORD = "test-password-1"
REGION = "ap-south-1"
SES_SENDER = "sampark@example.org"  # verified in every mock account: SES refuses unverified senders


@dataclass
class Env:
    pool_id: str
    client_id: str
    cognito: Any
    tokens: dict[str, str] = field(default_factory=dict)

    def user(self, username: str, role: str) -> str:
        """Create a user with one role and return its id token (a real RS256 token from moto)."""
        create_user(self.cognito, self.pool_id, username, PASSWORD, [role])
        result = self.cognito.initiate_auth(
            ClientId=self.client_id, AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
        )
        return str(result["AuthenticationResult"]["IdToken"])


# The services the mock account is made of, as moto holds them (BackendDict, region): built once per test
# process, copied into each test's fresh mock (below). SQS is not among them (its queues hold locks, which
# do not copy): each test creates its two queues again, at the same URLs.
STAGE = "dev"
ACCOUNT_SERVICES = (("moto.dynamodb.models", "dynamodb_backends", REGION),
                    ("moto.cognitoidp.models", "cognitoidp_backends", REGION),
                    ("moto.ses.models", "ses_backends", REGION),
                    ("moto.sns.models", "sns_backends", REGION),
                    ("moto.s3.models", "s3_backends", "aws"))
TEMPLATE_MAX_AGE_S = 40 * 60  # the role tokens it holds live an hour: rebuilt well before


@dataclass
class Template:
    """A mock account as every api test starts: the tables and the user pool made from the app's own
    definitions, the queues, bucket and topics, a user and a real token per role; and moto's state of
    it, kept to copy from."""

    env: dict[str, str]
    pool_id: str
    client_id: str
    tokens: dict[str, str]
    state: dict[str, dict[str, Any]]
    built_at: float


_TEMPLATE: list[Template] = []


def _backends(module: str, name: str) -> Any:
    """moto's backends of one service in the default account, by region."""
    from moto.core.models import DEFAULT_ACCOUNT_ID

    return getattr(importlib.import_module(module), name)[DEFAULT_ACCOUNT_ID]


def _create_queues() -> tuple[str, str]:
    return account.create_queues(boto3.client("sqs", region_name=REGION), STAGE)


def _build_template(monkeypatch: pytest.MonkeyPatch) -> Template:
    made = account.create_account(account.moto_client(REGION), stage=STAGE, table_prefix="sampark-test",
                                  ses_sender=SES_SENDER)
    account.bind(made.env, monkeypatch.setenv)
    account.create_tables()
    env = Env(made.pool.pool_id, made.pool.client_id, made.cognito)
    tokens = {role: env.user(f"user-{role}", role) for role in sorted(ALL_ROLES)}
    # whole backends, not their attributes: their objects point back at them (an SNS topic at its backend)
    state = {name: copy.deepcopy(_backends(module, name)[region]) for module, name, region in ACCOUNT_SERVICES}
    return Template(made.env, made.pool.pool_id, made.pool.client_id, tokens, state, time.monotonic())


def _template(monkeypatch: pytest.MonkeyPatch) -> Template:
    if not _TEMPLATE or time.monotonic() - _TEMPLATE[0].built_at > TEMPLATE_MAX_AGE_S:
        with mock_aws():
            _TEMPLATE[:] = [_build_template(monkeypatch)]
    return _TEMPLATE[0]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    """A fresh mock account per test (moto resets every service when the mock starts), made of a copy
    of the template's state: what building it call by call gives, in milliseconds instead of seconds
    (twenty tables with their indexes, a user pool with five users). Each test still owns its copy."""
    template = _template(monkeypatch)
    with mock_aws():
        for module, name, region in ACCOUNT_SERVICES:
            _backends(module, name)[region] = copy.deepcopy(template.state[name])
        _create_queues()
        for key, value in template.env.items():
            monkeypatch.setenv(key, value)
        reset_settings()
        reset_clients()
        JWKS.clear()
        reset_duty_cache()
        db.bind()
        env = Env(template.pool_id, template.client_id, boto3.client("cognito-idp", region_name=REGION))
        env.tokens = dict(template.tokens)
        yield env
    reset_settings()
    reset_clients()
    JWKS.clear()


class Api:
    """chalice.test.Client with JSON in and out and a bearer token per call."""

    def __init__(self, client: Client, tokens: dict[str, str]) -> None:
        self.client, self.tokens = client, tokens

    def call(self, method: str, path: str, body: Any = None, *, role: str | None = "admin",
             token: str | None = None, headers: dict[str, str] | None = None, raw: bytes | None = None) -> Any:
        hdrs = {"content-type": "application/json", **(headers or {})}
        bearer = token or (self.tokens[role] if role else None)
        if bearer:
            hdrs["authorization"] = f"Bearer {bearer}"
        payload = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        response = self.client.http.request(method, path, headers=hdrs, body=payload)
        return Response(response.status_code, response.headers, response.body)

    def get(self, path: str, **kw: Any) -> Any:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.call("POST", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.call("PUT", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.call("PATCH", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.call("DELETE", path, **kw)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def error(self) -> dict[str, Any]:
        data = self.json
        assert isinstance(data, dict) and "error" in data, f"not an error body: {self.body!r}"
        return dict(data["error"])


@pytest.fixture
def api(aws: Env) -> Iterator[Api]:
    with Client(app) as client:
        yield Api(client, aws.tokens)


@pytest.fixture
def district(api: Api) -> dict[str, str]:
    """A small tree through the API: district > assembly > mandal > kendra > two booths."""
    units = [
        ("chw", "district", None, "छिंदवाड़ा", "Chhindwara"),
        ("chw-a1", "assembly", "chw", "जुन्नारदेव", "Junnardeo"),
        ("chw-a1-m1", "mandal", "chw-a1", "तामिया", "Tamia"),
        ("chw-a1-m1-k1", "shakti_kendra", "chw-a1-m1", "झिरपा", "Jhirpa"),
        ("chw-a1-m1-k1-b1", "booth", "chw-a1-m1-k1", "बूथ 1", "Booth 1"),
        ("chw-a1-m1-k1-b2", "booth", "chw-a1-m1-k1", "बूथ 2", "Booth 2"),
        ("chw-a1-m2", "mandal", "chw-a1", "बटकाखापा", "Batkakhapa"),
    ]
    for unit_id, level, parent, hi, en in units:
        r = api.put(f"/units/{unit_id}", {"level": level, "parent_id": parent, "name_hi": hi, "name_en": en})
        assert r.status == 201, r.body
    return {u[0]: u[1] for u in units}


def contact_body(unit_id: str = "chw-a1-m1-k1-b1", phone: str = "098765 43210", role: str = "booth_president",
                 **extra: Any) -> dict[str, Any]:
    return {"unit_id": unit_id, "role": role, "name_hi": "राम यादव", "name_en": "Ram Yadav", "phone": phone,
            "consent": {"source": "party_register", "purpose": "party outreach"}, **extra}


os.environ.setdefault("SAMPARK_STAGE", "dev")
