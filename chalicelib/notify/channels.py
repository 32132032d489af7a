"""SES and SNS: the only module of this feature that talks to them. Their errors become three
kinds: Throttled (retry soon, with backoff), Rejected (permanent: retrying cannot help) and
Unreachable (temporary: retry later)."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from ..core.clients import client

THROTTLED = {"Throttling", "ThrottlingException", "TooManyRequestsException", "LimitExceededException",
             "RequestLimitExceeded", "ServiceUnavailable"}
REJECTED = {"MessageRejected", "InvalidParameterValue", "InvalidParameter", "InvalidParameterException",
            "MailFromDomainNotVerifiedException", "MailFromDomainNotVerified", "ConfigurationSetDoesNotExist",
            "NotFound", "NotFoundException", "AuthorizationError", "EndpointDisabled", "OptedOut",
            "ValidationError", "InvalidClientTokenId"}


class ChannelError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


class Throttled(ChannelError):
    pass


class Rejected(ChannelError):
    pass


class Unreachable(ChannelError):
    pass


def _translate(exc: Exception) -> ChannelError:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code, message = str(error.get("Code", "")), str(error.get("Message", ""))
        if code in THROTTLED or "rate exceeded" in message.lower():
            return Throttled(code, message)
        if code in REJECTED:
            return Rejected(code, message)
        return Unreachable(code or "unknown", message)
    return Unreachable(type(exc).__name__, str(exc))


def send_email(sender: str, to: str, subject: str, text: str) -> str:
    try:
        result = client("ses").send_email(
            Source=sender, Destination={"ToAddresses": [to]},
            Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                     "Body": {"Text": {"Data": text, "Charset": "UTF-8"}}},
        )
    except (ClientError, BotoCoreError) as exc:
        raise _translate(exc) from exc
    return str(result["MessageId"])


def send_raw_email(sender: str, to: str, raw: bytes) -> str:
    """A whole MIME message (HTML and text alternatives) built by the caller."""
    try:
        result = client("ses").send_raw_email(Source=sender, Destinations=[to], RawMessage={"Data": raw})
    except (ClientError, BotoCoreError) as exc:
        raise _translate(exc) from exc
    return str(result["MessageId"])


def publish_json(topic_arn: str, subject: str, sms: str, summary: str) -> str:
    """One topic message, two shapes (MessageStructure=json): `sms` for SMS subscribers and as the
    default, `summary` (JSON text) for machines (sqs, lambda, https subscribers)."""
    import json

    message = json.dumps({"default": sms, "sms": sms, "email": sms, "sqs": summary, "lambda": summary,
                          "http": summary, "https": summary}, ensure_ascii=False)
    try:
        result = client("sns").publish(TopicArn=topic_arn, Subject=subject[:100], Message=message,
                                       MessageStructure="json")
    except (ClientError, BotoCoreError) as exc:
        raise _translate(exc) from exc
    return str(result["MessageId"])


def send_sms(phone: str, text: str) -> str:
    try:
        result = client("sns").publish(
            PhoneNumber=phone, Message=text,
            MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
        )
    except (ClientError, BotoCoreError) as exc:
        raise _translate(exc) from exc
    return str(result["MessageId"])


def publish(topic_arn: str, subject: str, message: str) -> str:
    try:
        result = client("sns").publish(TopicArn=topic_arn, Subject=subject[:100], Message=message)
    except (ClientError, BotoCoreError) as exc:
        raise _translate(exc) from exc
    return str(result["MessageId"])
