"""Create what the app needs in a (local or mocked) AWS account: tables from the PynamoDB models,
the Cognito user pool with its role groups and app client, and users.

The same definitions serve the local stack, the test suites and, through infra/, AWS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.accounts.rules import POOL_POLICY
from chalicelib.core import db
from chalicelib.core.auth import ALL_ROLES


@dataclass(frozen=True)
class Pool:
    pool_id: str
    client_id: str


def create_pool(cognito: Any, name: str) -> Pool:
    pool = cognito.create_user_pool(
        PoolName=name, Policies={"PasswordPolicy": POOL_POLICY},
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
    )["UserPool"]
    for role in sorted(ALL_ROLES):
        cognito.create_group(GroupName=role, UserPoolId=pool["Id"])
    app_client = cognito.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName=f"{name}-web", GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        # as infra/identity.py declares (moto issues 1-hour tokens whatever the client says)
        IdTokenValidity=15, AccessTokenValidity=15, RefreshTokenValidity=840,
        TokenValidityUnits={"IdToken": "minutes", "AccessToken": "minutes", "RefreshToken": "minutes"},
    )["UserPoolClient"]
    return Pool(pool["Id"], app_client["ClientId"])


def create_user(cognito: Any, pool_id: str, username: str, password: str, roles: list[str],
                email: str | None = None) -> None:
    attributes = [{"Name": "email", "Value": email}] if email else []
    cognito.admin_create_user(UserPoolId=pool_id, Username=username, UserAttributes=attributes,
                              MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password,
                                    Permanent=True)
    for role in roles:
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=role)


def create_tables() -> list[str]:
    return db.create_tables()  # every store's models (db.all_models imports them)
