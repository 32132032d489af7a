"""Stores own the tables (issue 17) in shifts, accounts and handover: only a store module (`store.py`,
`*_store.py`) imports a PynamoDB model class, constructs one or imports PynamoDB; services and rules build
plain data and call the store's intent-named functions. (Services may read the attributes of what a store
returns, and name its type through the store module, as `agent_store.AgentModel`.)"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FEATURES = ("shifts", "accounts", "handover")
MODELS = {"RosterItem"}  # model classes whose names do not end in Model


def _is_store(path: Path) -> bool:
    return path.stem == "store" or path.stem.endswith("_store")


def _model_name(name: str) -> bool:
    return name.endswith("Model") or name in MODELS


def offences(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if (node.module or "").startswith("pynamodb"):
                found.append(f"{node.lineno}: imports {node.module}")
            found += [f"{node.lineno}: imports {a.name}" for a in node.names if _model_name(a.name)]
        elif isinstance(node, ast.Import):
            found += [f"{node.lineno}: imports {a.name}" for a in node.names if a.name.startswith("pynamodb")]
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if _model_name(name):
                found.append(f"{node.lineno}: constructs {name}")
    return found


def test_no_service_or_rules_module_imports_or_constructs_a_model() -> None:
    bad = [f"{p.relative_to(ROOT)}:{o}" for feature in FEATURES
           for p in sorted((ROOT / "chalicelib" / feature).glob("*.py")) if not _is_store(p) for o in offences(p)]
    assert bad == []


def test_the_check_sees_an_import_and_a_construction(tmp_path: Path) -> None:
    probe = tmp_path / "service.py"
    probe.write_text("from .agent_store import AgentModel\nfrom . import roster_store\n\n\ndef f():\n"
                     "    return roster_store.RosterItem('p', 'head'), AgentModel('a')\n", encoding="utf-8")
    assert [o.split(": ", 1)[1] for o in offences(probe)] == [
        "imports AgentModel", "constructs RosterItem", "constructs AgentModel"]
