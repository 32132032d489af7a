"""Reading synthesised CloudFormation: intrinsic functions rendered as comparable strings, and lookups."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

PSEUDO = ("AWS::Partition", "AWS::Region", "AWS::AccountId", "AWS::URLSuffix", "AWS::StackName")


def ref(name: str) -> str:
    """How render() writes a reference: "${X}" or "${X.Arn}"."""
    return "${" + name + "}"


def render(value: Any) -> str:
    """An intrinsic as a string: {"Ref": "X"} -> "${X}", {"Fn::GetAtt": ["X", "Arn"]} -> "${X.Arn}",
    Fn::Join and Fn::Sub flattened. Two expressions for the same value render the same."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict) and len(value) == 1:
        (fn, arg), = value.items()
        if fn == "Ref":
            return ref(str(arg))
        if fn == "Fn::GetAtt":
            parts = arg if isinstance(arg, list) else str(arg).split(".", 1)
            return ref(f"{parts[0]}.{parts[1]}")
        if fn == "Fn::Join":
            separator, items = arg
            return str(separator).join(render(i) for i in items)
        if fn == "Fn::Sub":
            text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
            for name, sub in variables.items():
                text = text.replace(ref(name), render(sub))
            return str(text)
    raise ValueError(f"cannot render {value!r}")


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def props(template: dict[str, Any], logical: str) -> dict[str, Any]:
    return dict(template["Resources"][logical].get("Properties", {}))


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return resources(template, "AWS::Serverless::Function")


def referenced(value: Any) -> str | None:
    """The logical id a Ref or GetAtt points at."""
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        arg = value["Fn::GetAtt"]
        return str(arg[0] if isinstance(arg, list) else str(arg).split(".")[0])
    return None


def statements(template: dict[str, Any], role: str) -> Iterator[dict[str, Any]]:
    """Every statement of every policy attached to a role (inline AWS::IAM::Policy, the role's own, or an
    AWS::IAM::ManagedPolicy naming the role: CDK moves statements there when the inline policy outgrows
    IAM's size limit, as the app role's did)."""
    for name, resource in template["Resources"].items():
        attached = resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy") and any(
            referenced(r) == role for r in resource["Properties"].get("Roles", []))
        if attached:
            yield from _as_list(resource["Properties"]["PolicyDocument"]["Statement"])
        if name == role:
            for policy in resource["Properties"].get("Policies", []):
                yield from _as_list(policy["PolicyDocument"]["Statement"])


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def as_list(value: Any) -> list[Any]:
    return _as_list(value)


def role_of(template: dict[str, Any], function: str) -> str:
    role = referenced(functions(template)[function]["Properties"]["Role"])
    assert role, f"{function} has no role of this stack"
    return role
