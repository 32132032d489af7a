"""Per-stage deployment choices: what the code cannot know (sender address, who gets alerts, scale).

They live in infra/cdk.json's context (`sampark:<stage>`) and can be overridden at synth or deploy time
with `-c sampark:<stage>='{"sender": ...}'`. Everything else the stack derives from the code
(infra/codemodel.py) or from the load model (infra/load.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .load import SCALES, Load

CDK_JSON = Path(__file__).resolve().parent / "cdk.json"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9-]+\.)+[a-z]{2,}$")


@dataclass(frozen=True)
class StageConfig:
    stage: str
    load: Load
    sender: str  # the From address of every email
    ses_identity: str  # the verified identity that covers the sender: its address, or its domain
    subscribers: dict[str, tuple[str, ...]]  # topic word -> email addresses ("<word>_emails" in the context)
    waf: bool

    @property
    def is_prod(self) -> bool:
        return self.stage == "prod"

    @property
    def log_retention_days(self) -> int:
        return 365 if self.is_prod else 30

    @property
    def prefix(self) -> str:
        return f"sampark-{self.stage}"


def default_context() -> dict[str, Any]:
    return dict(json.loads(CDK_JSON.read_text(encoding="utf-8"))["context"])


def stage_config(stage: str, context: dict[str, Any]) -> StageConfig:
    raw = context.get(f"sampark:{stage}")
    if isinstance(raw, str):  # -c sampark:prod='{...}' arrives as a string
        raw = json.loads(raw)
    if not isinstance(raw, dict):
        raise ValueError(f"cdk.json context has no sampark:{stage} object")
    scale = raw.get("scale", "district")
    if scale not in SCALES:
        raise ValueError(f"sampark:{stage}.scale must be one of {sorted(SCALES)}")
    sender, identity = str(raw["sender"]), str(raw["ses_identity"]).lower()
    if not _EMAIL.match(sender):
        raise ValueError(f"sampark:{stage}.sender must be an email address, got {sender!r}")
    if not (_EMAIL.match(identity) or _DOMAIN.match(identity)):
        raise ValueError(f"sampark:{stage}.ses_identity must be an email address or a domain")
    if identity not in (sender.lower(), sender.lower().split("@", 1)[1]):
        raise ValueError(f"sampark:{stage}.ses_identity {identity!r} does not cover the sender {sender!r}")
    subscribers = {}
    for key in (k for k in raw if k.endswith("_emails")):
        values = tuple(str(v) for v in raw[key])
        bad = [v for v in values if not _EMAIL.match(v)]
        if bad:
            raise ValueError(f"sampark:{stage}.{key} has addresses that are not emails: {bad}")
        subscribers[key.removesuffix("_emails").replace("_", "-")] = values
    return StageConfig(stage=stage, load=SCALES[scale], sender=sender, ses_identity=identity,
                       subscribers=subscribers, waf=bool(raw.get("waf", True)))
