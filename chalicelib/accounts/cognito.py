"""Cognito adapter: the only module that talks to the user pool. ClientErrors become the app's errors.

Two uses, one pool: signing in (password, refresh, the first sign-in's new password; `accounts` routes)
and the call centre's logins as an admin manages them (create, group, enable or disable, sign out, reset;
`shifts` keeps the agents' profiles and asks this module for their logins). Every admin call is
idempotent, so a create or an edit that failed half-way is completed by a retry."""

from __future__ import annotations

import secrets
import string
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from ..core import errors
from ..core.auth import ALL_ROLES
from ..core.clients import client
from ..core.settings import get_settings

_SIGN_IN_BUSY = {"TooManyRequestsException", "LimitExceededException"}
_ADMIN_BUSY = {"TooManyRequestsException", "LimitExceededException", "ThrottlingException"}
CENTRE_ROLES = frozenset({"agent", "supervisor"})


class LoginOutsideCentre(Exception):
    """The login exists and belongs to someone outside the call centre (an admin, a leader): the caller
    decides what that refuses (shifts/agents.py: 409 username_taken)."""

# ---- signing in ----------------------------------------------------------------------------

_REFUSED = {"NotAuthorizedException", "UserNotFoundException", "UserNotConfirmedException",
            "PasswordResetRequiredException"}
_BAD_SESSION = {"ResourceNotFoundException", "CodeMismatchException", "ExpiredCodeException"}


# Cognito's own lockout (not configurable): after five failures it refuses every password, the right one
# too, for 2^(n-5) s up to ~15 minutes, with this message. Not "wrong password": a wait, which the app's
# throttle gives back instead of counting against the caller's own budget.
_PAUSED = "password attempts exceeded"
_PAUSE_S = 60


def _sign_in_error(exc: ClientError) -> errors.AppError:
    code = exc.response.get("Error", {}).get("Code", "")
    message = str(exc.response.get("Error", {}).get("Message", "")).lower()
    if code == "NotAuthorizedException" and _PAUSED in message:
        return errors.TooManyRequests(
            "the sign-in service has paused this username after repeated failed attempts; try again in a "
            "few minutes", code="sign_in_paused", details={"retry_after_s": _PAUSE_S})
    if code in _REFUSED:
        return errors.Unauthorized("wrong username or password")
    if code in _SIGN_IN_BUSY:
        return errors.TooManyRequests("too many sign-in attempts; wait a minute")
    if code == "InvalidParameterException":
        return errors.ValidationError("the sign-in request was refused as invalid")
    return errors.Unavailable("the sign-in service is unavailable")


def _tokens(result: dict[str, Any]) -> dict[str, Any]:
    auth = result.get("AuthenticationResult")
    if not auth:
        challenge = result.get("ChallengeName", "unknown")
        raise errors.Conflict(
            "this account must set a new password before signing in", code="challenge_required",
            details={"challenge": challenge, "session": result.get("Session")},
        )
    tokens = {"id_token": auth["IdToken"], "access_token": auth["AccessToken"],
              "expires_in": auth["ExpiresIn"], "token_type": "Bearer"}
    if "RefreshToken" in auth:
        tokens["refresh_token"] = auth["RefreshToken"]
    return tokens


def password_login(username: str, password: str) -> dict[str, Any]:
    try:
        result = client("cognito-idp").initiate_auth(
            ClientId=get_settings().user_pool_client_id, AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
    except ParamValidationError as exc:  # a value outside Cognito's bounds: refused, not a 500
        raise errors.ValidationError("the sign-in request was refused as invalid") from exc
    except ClientError as exc:
        raise _sign_in_error(exc) from exc
    return _tokens(result)


def refresh(refresh_token: str) -> dict[str, Any]:
    try:
        result = client("cognito-idp").initiate_auth(
            ClientId=get_settings().user_pool_client_id, AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh_token},
        )
    except ParamValidationError as exc:  # a value outside Cognito's bounds: refused, not a 500
        raise errors.ValidationError("the sign-in request was refused as invalid") from exc
    except ClientError as exc:
        raise _sign_in_error(exc) from exc
    return _tokens(result)


def complete_new_password(username: str, session: str, new_password: str) -> dict[str, Any]:
    """Answer the NEW_PASSWORD_REQUIRED challenge of a first sign-in with a temporary password
    (agents created by POST /agents): the new password replaces it, and the user is signed in."""
    try:
        result = client("cognito-idp").respond_to_auth_challenge(
            ClientId=get_settings().user_pool_client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=session,
            ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": new_password},
        )
    except ParamValidationError as exc:  # a value outside Cognito's bounds: refused, not a 500
        raise errors.ValidationError("the sign-in request was refused as invalid") from exc
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "InvalidPasswordException":
            raise errors.ValidationError("the new password does not meet the password policy",
                                         field="new_password") from exc
        if exc.response.get("Error", {}).get("Code") in _BAD_SESSION:  # unknown or expired session
            raise errors.Unauthorized("the sign-in session has expired: sign in again", field="session") from exc
        raise _sign_in_error(exc) from exc
    return _tokens(result)


# ---- the call centre's logins (agents and supervisors) -------------------------------------


def _login_admin_error(exc: Exception) -> errors.AppError:
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        if code in _ADMIN_BUSY:
            return errors.TooManyRequests("the login service is busy; retry in a moment")
        if code in ("InvalidParameterException", "InvalidPasswordException"):
            return errors.ValidationError("the login service refused these details", field="email")
        if code == "UserNotFoundException":
            return errors.NotFound("this agent has no login", field="username")
    return errors.Unavailable("the login service is unavailable")


def temporary_password() -> str:
    """Meets the pool's policy (rules.POOL_POLICY: 10+ characters, lower case and digits), 16 random
    characters."""
    alphabet = string.ascii_letters + string.digits
    while True:
        value = "".join(secrets.choice(alphabet) for _ in range(14)) + secrets.choice("23456789") + "k"
        if any(c.islower() for c in value) and any(c.isdigit() for c in value):
            return value


def ensure_login(username: str, email: str, role: str) -> str | None:
    """Create the login with a temporary password (Cognito also emails the invitation), in the group
    of `role`. Returns the temporary password, or None when the login existed already. A login that
    belongs to someone outside the call centre (an admin, a leader) raises LoginOutsideCentre."""
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
            raise _login_admin_error(exc) from exc
        password = None
        if groups(username) - CENTRE_ROLES:
            raise LoginOutsideCentre(username) from exc
    except BotoCoreError as exc:
        raise _login_admin_error(exc) from exc
    set_role(username, role)
    return password


def groups(username: str) -> set[str]:
    try:
        result = client("cognito-idp").admin_list_groups_for_user(
            UserPoolId=get_settings().user_pool_id, Username=username)
    except (ClientError, BotoCoreError) as exc:
        raise _login_admin_error(exc) from exc
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
        raise _login_admin_error(exc) from exc


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
        raise _login_admin_error(exc) from exc
    except BotoCoreError as exc:
        raise _login_admin_error(exc) from exc


def sign_out_everywhere(username: str) -> None:
    """Revoke the login's refresh tokens (every device must sign in again: a changed role takes
    effect in the next id token). A login that does not exist has nothing to revoke."""
    try:
        client("cognito-idp").admin_user_global_sign_out(UserPoolId=get_settings().user_pool_id, Username=username)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "UserNotFoundException":
            return
        raise _login_admin_error(exc) from exc
    except BotoCoreError as exc:
        raise _login_admin_error(exc) from exc


def set_email(username: str, email: str) -> None:
    """The login's email (where Cognito sends invitations and password resets) follows the profile."""
    try:
        client("cognito-idp").admin_update_user_attributes(
            UserPoolId=get_settings().user_pool_id, Username=username,
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}])
    except (ClientError, BotoCoreError) as exc:
        raise _login_admin_error(exc) from exc


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
        raise _login_admin_error(exc) from exc
    return password


def logins_in_groups(*groups_: str) -> list[str]:
    """Every login in these Cognito groups, sorted (an export of every agent's calls lists them all)."""
    pool, names = get_settings().user_pool_id, set[str]()
    try:
        for group in groups_:
            for page in client("cognito-idp").get_paginator("list_users_in_group").paginate(
                    UserPoolId=pool, GroupName=group):
                names.update(u["Username"] for u in page.get("Users", []))
    except (ClientError, BotoCoreError) as exc:
        raise _login_admin_error(exc) from exc
    return sorted(names)


def emails_in_groups(*groups_: str) -> list[str]:
    """The email addresses of every enabled login in these Cognito groups, sorted (the monthly vendor report
    goes to the admins)."""
    pool, found = get_settings().user_pool_id, set[str]()
    try:
        for group in groups_:
            for page in client("cognito-idp").get_paginator("list_users_in_group").paginate(
                    UserPoolId=pool, GroupName=group):
                for user in page.get("Users", []):
                    attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
                    if user.get("Enabled", True) and attributes.get("email"):
                        found.add(attributes["email"])
    except (ClientError, BotoCoreError) as exc:
        raise _login_admin_error(exc) from exc
    return sorted(found)
