"""The user pool's password policy lives with sign-in (chalicelib/accounts/rules.py): infra deploys it
without importing devtools, the local pool is made with the same one, and the temporary passwords the app
gives new logins meet it."""

from __future__ import annotations

import ast
from pathlib import Path

from chalicelib.accounts import cognito, rules
from devtools import provision
from infra import codemodel

ROOT = Path(__file__).resolve().parents[2]


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_infra_reads_the_policy_from_chalicelib_not_devtools() -> None:
    imported = _imported_modules(Path(codemodel.__file__))
    assert "chalicelib.accounts.rules" in imported
    assert not {m for m in imported if m == "devtools" or m.startswith("devtools.")}


def test_the_local_pool_uses_the_same_policy_object() -> None:
    assert provision.POOL_POLICY is rules.POOL_POLICY


def test_temporary_passwords_meet_the_policy() -> None:
    policy = rules.POOL_POLICY
    for _ in range(200):
        password = cognito.temporary_password()
        assert len(password) >= policy["MinimumLength"]
        assert not policy["RequireLowercase"] or any(c.islower() for c in password)
        assert not policy["RequireUppercase"] or any(c.isupper() for c in password)
        assert not policy["RequireNumbers"] or any(c.isdigit() for c in password)
