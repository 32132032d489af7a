"""Cognito adapter: the only module that talks to the user pool. ClientErrors become app errors."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError, ParamValidationError

from ..core import errors
from ..core.clients import client
from ..core.settings import get_settings

_REFUSED = {"NotAuthorizedException", "UserNotFoundException", "UserNotConfirmedException",
            "PasswordResetRequiredException"}
_BAD_SESSION = {"ResourceNotFoundException", "CodeMismatchException", "ExpiredCodeException"}
_BUSY = {"TooManyRequestsException", "LimitExceededException"}


# Cognito's own lockout (not configurable): after five failures it refuses every password, the right one
# too, for 2^(n-5) s up to ~15 minutes, with this message. Not "wrong password": a wait, which the app's
# throttle gives back instead of counting against the caller's own budget.
_PAUSED = "password attempts exceeded"
_PAUSE_S = 60


def _translate(exc: ClientError) -> errors.AppError:
    code = exc.response.get("Error", {}).get("Code", "")
    message = str(exc.response.get("Error", {}).get("Message", "")).lower()
    if code == "NotAuthorizedException" and _PAUSED in message:
        return errors.TooManyRequests(
            "the sign-in service has paused this username after repeated failed attempts; try again in a "
            "few minutes", code="sign_in_paused", details={"retry_after_s": _PAUSE_S})
    if code in _REFUSED:
        return errors.Unauthorized("wrong username or password")
    if code in _BUSY:
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
        raise _translate(exc) from exc
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
        raise _translate(exc) from exc
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
        raise _translate(exc) from exc
    return _tokens(result)
