"""The functions' environment: every variable chalicelib/core/settings.py requires, each naming a
resource of this stack.

SAMPARK_STAGE and SAMPARK_TABLE_PREFIX come from `.chalice/config.json` (the tables are named from the
prefix). Every other required variable is resolved here, by its name, and overrides a value the stage
in config.json may also give (that one is what `chalice package` sees when it imports the app, e.g. an
@on_s3_event bucket name; the deployed functions get the name of the resource this stack made):

| variable | resource |
|---|---|
| SAMPARK_USER_POOL_ID, SAMPARK_USER_POOL_CLIENT_ID | the user pool, its web client |
| SAMPARK_<WORD>_QUEUE_URL | the queue whose name ends with -<word> (e.g. ACTIVATION: ...-campaign-activation) |
| SAMPARK_<WORD>_TOPIC_ARN | the topic <word>: STATE, CENTRAL, OPS, SES_FEEDBACK, or an SNS handler's topic |
| SAMPARK_<WORD>_BUCKET | the bucket whose name ends with -<word> (named after the @on_s3_event handler's) |
| SAMPARK_..._SENDER / _FROM / _FROM_ADDRESS | the stage's sender address (its SES identity covers it) |
| SAMPARK_..._CONFIGURATION_SET | the SES configuration set |

A new required setting that none of these rules name fails the synth with a message saying so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .codemodel import CodeModel
from .config import StageConfig
from .identity import Identity
from .messaging import Messaging

CONFIG_OWNED = ("SAMPARK_STAGE", "SAMPARK_TABLE_PREFIX")


class UnresolvedSetting(ValueError):
    pass


def _word(name: str, suffix: str) -> str:
    return name.removeprefix("SAMPARK_").removesuffix(suffix).lower().replace("_", "-")


def resolve(model: CodeModel, config: StageConfig, identity: Identity, messaging: Messaging,
            buckets: dict[str, str]) -> dict[str, Any]:
    """The value of every required variable that names a resource of this stack."""
    fixed: dict[str, Callable[[], Any]] = {
        "SAMPARK_USER_POOL_ID": lambda: identity.pool.user_pool_id,
        "SAMPARK_USER_POOL_CLIENT_ID": lambda: identity.client.user_pool_client_id,
    }
    values: dict[str, Any] = {}
    for name in model.required_env:
        if name in CONFIG_OWNED:
            if name not in model.stage_environment:
                raise UnresolvedSetting(f"{name} must be set for the stage in .chalice/config.json")
            continue
        if name in fixed:
            values[name] = fixed[name]()
        elif name.endswith("_QUEUE_URL"):
            word = _word(name, "_QUEUE_URL")
            queues = {**messaging.source_queues, f"{config.prefix}-async-failures": messaging.failures}
            matches = [q for queue_name, q in queues.items() if queue_name.endswith(f"-{word}") or queue_name == word]
            if len(matches) != 1:
                raise UnresolvedSetting(f"{name}: expected one queue named ...-{word}, found {len(matches)} "
                                        f"among {sorted(queues)} (queues come from @on_sqs_message handlers)")
            values[name] = matches[0].queue_url
        elif name.endswith("_TOPIC_ARN"):
            word = _word(name, "_TOPIC_ARN")
            if word not in messaging.topics:
                raise UnresolvedSetting(f"{name}: no topic {word!r}; topics are {sorted(messaging.topics)}")
            values[name] = messaging.topics[word].topic_arn
        elif name.endswith("_BUCKET"):
            word = _word(name, "_BUCKET")
            found = [physical for bucket_name, physical in buckets.items() if bucket_name.endswith(f"-{word}")]
            if len(found) != 1:
                raise UnresolvedSetting(f"{name}: expected one bucket named ...-{word}, found {len(found)}")
            values[name] = found[0]
        elif name.endswith(("_SENDER", "_FROM", "_FROM_ADDRESS")):
            values[name] = config.sender
        elif name.endswith("_CONFIGURATION_SET"):
            values[name] = f"{config.prefix}-mail"
        elif name in model.stage_environment:
            continue  # a value .chalice/config.json gives and no rule here overrides
        else:
            raise UnresolvedSetting(
                f"{name} is required by chalicelib/core/settings.py but infra/environment.py does not know which "
                "resource it names: add a rule there (and the resource to the stack)")
    return values
