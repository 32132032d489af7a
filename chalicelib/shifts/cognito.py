"""The agents' logins in the Cognito user pool (the same pool the foundation's login uses).
Every call is idempotent, so a create or an edit that failed half-way is completed by a retry."""

from __future__ import annotations

import secrets
import string

from botocore.exceptions import BotoCoreError, ClientError

from ..core import errors
from ..core.auth import ALL_ROLES
from ..core.clients import client
from ..core.settings import get_settings

_BUSY = {"TooManyRequestsException", "LimitExceededException", "ThrottlingException"}
CENTRE_ROLES = frozenset({"agent", "supervisor"})


def _translate(exc: Exception) -> errors.AppError:
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        if code in _BUSY:
            return errors.TooManyRequests("the login service is busy; retry in a moment")
        if code in ("InvalidParameterException", "InvalidPasswordException"):
            return errors.ValidationError("the login service refused these details", field="email")
        if code == "UserNotFoundException":
            return errors.NotFound("this agent has no login", field="username")
    return errors.Unavailable("the login service is unavailable")


def temporary_password() -> str:
    """Meets the pool's policy (10+ characters, lower case and digits), 16 random characters."""
    alphabet = string.ascii_letters + string.digits
    while True:
        value = "".join(secrets.choice(alphabet) for _ in range(14)) + secrets.choice("23456789") + "k"
        if any(c.islower() for c in value) and any(c.isdigit() for c in value):
            return value


def ensure_login(username: str, email: str, role: str) -> str | None:
    """Create the login with a temporary password (Cognito also emails the invitation), in the group
    of `role`. Returns the temporary password, or None when the login existed already. A login that
    belongs to someone outside the call centre (an admin, a leader) is refused."""
    pool = get_settings().user_pool_id
    idp = client("cognito-idp")
    password: str | None = temporary_password()
    try:
        idp.admin_create_user(
            UserPoolId=pool, Username=username, TemporaryPassword=password, DesiredDeliveryMediums=["EMAIL"],
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "UsernameExistsException":
            raise _translate(exc) from exc
        password = None
        if groups(username) - CENTRE_ROLES:
            raise errors.Conflict("this username belongs to another login", field="username",
                                  code="username_taken") from exc
    except BotoCoreError as exc:
        raise _translate(exc) from exc
    set_role(username, role)
    return password


def groups(username: str) -> set[str]:
    try:
        result = client("cognito-idp").admin_list_groups_for_user(
            UserPoolId=get_settings().user_pool_id, Username=username)
    except (ClientError, BotoCoreError) as exc:
        raise _translate(exc) from exc
    return {g["GroupName"] for g in result.get("Groups", [])}


def set_role(username: str, role: str) -> None:
    """Put the login in the group of `role` and out of the other call-centre group."""
    pool = get_settings().user_pool_id
    idp = client("cognito-idp")
    try:
        idp.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName=role)
        for other in (CENTRE_ROLES & ALL_ROLES) - {role}:
            idp.admin_remove_user_from_group(UserPoolId=pool, Username=username, GroupName=other)
    except (ClientError, BotoCoreError) as exc:
        raise _translate(exc) from exc


def set_enabled(username: str, enabled: bool) -> None:
    """Deactivating an agent disables the login (signing in is refused, refresh tokens are revoked);
    activating enables it. A login that does not exist is as disabled as it gets."""
    pool = get_settings().user_pool_id
    idp = client("cognito-idp")
    try:
        if enabled:
            idp.admin_enable_user(UserPoolId=pool, Username=username)
        else:
            idp.admin_disable_user(UserPoolId=pool, Username=username)
            idp.admin_user_global_sign_out(UserPoolId=pool, Username=username)
    except ClientError as exc:
        if not enabled and exc.response.get("Error", {}).get("Code") == "UserNotFoundException":
            return
        raise _translate(exc) from exc
    except BotoCoreError as exc:
        raise _translate(exc) from exc


def sign_out_everywhere(username: str) -> None:
    """Revoke the login's refresh tokens (every device must sign in again: a changed role takes
    effect in the next id token). A login that does not exist has nothing to revoke."""
    try:
        client("cognito-idp").admin_user_global_sign_out(UserPoolId=get_settings().user_pool_id, Username=username)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "UserNotFoundException":
            return
        raise _translate(exc) from exc
    except BotoCoreError as exc:
        raise _translate(exc) from exc


def set_email(username: str, email: str) -> None:
    """The login's email (where Cognito sends invitations and password resets) follows the profile."""
    try:
        client("cognito-idp").admin_update_user_attributes(
            UserPoolId=get_settings().user_pool_id, Username=username,
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}])
    except (ClientError, BotoCoreError) as exc:
        raise _translate(exc) from exc


def reset_password(username: str) -> str:
    """An admin's password reset: a new temporary password (returned, to be told to the agent once),
    the login back in FORCE_CHANGE_PASSWORD (its next sign-in must set a new password: the
    NEW_PASSWORD_REQUIRED challenge that /auth/login answers with 409 challenge_required), and every
    device signed out. AdminSetUserPassword sends no email; AdminResetUserPassword would need the
    forgotten-password code flow, which the client does not have. The temporary password expires
    after the pool's TemporaryPasswordValidityDays."""
    pool = get_settings().user_pool_id
    idp = client("cognito-idp")
    password = temporary_password()
    try:
        idp.admin_set_user_password(UserPoolId=pool, Username=username, Password=password, Permanent=False)
        idp.admin_user_global_sign_out(UserPoolId=pool, Username=username)
    except (ClientError, BotoCoreError) as exc:
        raise _translate(exc) from exc
    return password
