"""Expand the SAM parts of a synthesised template into plain CloudFormation, offline, the way
CloudFormation's AWS::Serverless transform does at deploy time (same library: aws-sam-translator).

Run with the checkers' venv: `.venv-infra/bin/python infra/sam_expand.py IN.json OUT.json`. A template
that SAM would refuse fails here, before any deploy; the expanded template is what checkov and the
tests read for the resources SAM generates (API stage, event source mappings, rules, permissions).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


class _NoManagedPolicies:
    """The functions use this stack's roles: SAM never needs to look up a managed policy."""

    def load(self) -> dict[str, str]:
        return {}


def expand(template: dict[str, Any], region: str = "ap-south-1") -> dict[str, Any]:
    os.environ.setdefault("AWS_DEFAULT_REGION", region)
    from samtranslator.translator.transform import transform

    parameters = {"AWS::Region": region, "AWS::AccountId": "123456789012", "AWS::Partition": "aws",
                  "AWS::StackName": "sampark-offline", "AWS::StackId": "offline", "AWS::URLSuffix": "amazonaws.com",
                  "AWS::NotificationARNs": []}
    return dict(transform(template, parameters, _NoManagedPolicies()))


def main(argv: list[str]) -> int:
    source, target = argv[1], argv[2]
    with open(source, encoding="utf-8") as f:
        template = json.load(f)
    try:
        expanded = expand(template)
    except Exception as exc:  # the translator's InvalidDocumentException lists every problem
        causes = getattr(exc, "causes", None) or [exc]
        for cause in causes:
            print(f"SAM transform failed: {getattr(cause, 'message', cause)}", file=sys.stderr)
        return 1
    with open(target, "w", encoding="utf-8") as f:
        json.dump(expanded, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
