"""The Cognito user pool, its web app client and one group per role, as devtools/provision.py makes
them locally (same password policy, same auth flows, same groups).

Id and access tokens live 15 minutes: a role is read from the id token, so a demoted or deactivated
person's old token is worth at most that (plus the authorizer's cache, kept shorter: the infra tests
read both from the template). The web client refreshes quietly from the token's own `exp`."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from .codemodel import CodeModel
from .config import StageConfig

TOKEN_VALIDITY = Duration.minutes(15)  # id and access tokens (Cognito's minimum is 5 minutes)
REFRESH_TOKEN_VALIDITY = Duration.hours(14)  # one working day: a shift plus the handover


@dataclass
class Identity:
    pool: cognito.UserPool
    client: cognito.UserPoolClient


def make_identity(scope: Construct, model: CodeModel, config: StageConfig) -> Identity:
    policy = model.password_policy
    pool = cognito.UserPool(
        scope, "UserPool",
        user_pool_name=f"{config.prefix}-users",
        self_sign_up_enabled=False,  # the district admin creates every account
        sign_in_aliases=cognito.SignInAliases(username=True),
        sign_in_case_sensitive=False,  # phones capitalise the first letter of "agent01"
        feature_plan=cognito.FeaturePlan.LITE,
        password_policy=cognito.PasswordPolicy(
            min_length=int(policy["MinimumLength"]), require_lowercase=bool(policy["RequireLowercase"]),
            require_uppercase=bool(policy["RequireUppercase"]), require_digits=bool(policy["RequireNumbers"]),
            require_symbols=bool(policy["RequireSymbols"]), temp_password_validity=Duration.days(7),
        ),
        account_recovery=cognito.AccountRecovery.NONE,  # a supervisor or admin resets a forgotten password
        mfa=cognito.Mfa.OFF,
        deletion_protection=config.is_prod,
        removal_policy=RemovalPolicy.RETAIN if config.is_prod else RemovalPolicy.DESTROY,
    )
    for role in model.roles:
        cognito.CfnUserPoolGroup(scope, f"Group{''.join(p.capitalize() for p in role.split('_'))}",
                                 user_pool_id=pool.user_pool_id, group_name=role,
                                 description=f"Sampark role: {role}")
    client = pool.add_client(
        "WebClient",
        user_pool_client_name=f"{config.prefix}-web",
        generate_secret=False,
        auth_flows=cognito.AuthFlow(user_password=True),  # plus ALLOW_REFRESH_TOKEN_AUTH, always
        prevent_user_existence_errors=True,
        enable_token_revocation=True,
        id_token_validity=TOKEN_VALIDITY,
        access_token_validity=TOKEN_VALIDITY,
        refresh_token_validity=REFRESH_TOKEN_VALIDITY,
    )
    return Identity(pool, client)
