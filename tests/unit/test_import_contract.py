"""Features import downward only (issue 17): the map in docs/architecture.md ("The map of features") says
which features each one may import; every import of `chalicelib.<feature>` anywhere in `chalicelib/` — at the
top of a module or inside a function, absolute or relative — must be allowed by it, the map must have no
cycle, and every package of `chalicelib/` must be on it."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "chalicelib"
DOC = ROOT / "docs" / "architecture.md"
ROW = re.compile(r"^\| `(?P<name>[a-z_]+)` \| (?P<what>[^|]+) \| (?P<deps>[^|]+) \|$")


def feature_map() -> dict[str, set[str]]:
    text = DOC.read_text(encoding="utf-8")
    block = text.split("<!-- import-map: begin -->", 1)[1].split("<!-- import-map: end -->", 1)[0]
    out: dict[str, set[str]] = {}
    for line in block.splitlines():
        if m := ROW.match(line.strip()):
            deps = m["deps"].strip()
            out[m["name"]] = set() if deps == "—" else {d.strip() for d in deps.split(",")}
    return out


def imports_of(path: Path, root: Path = ROOT) -> Iterator[tuple[int, str]]:
    """(line, feature) for every import of a chalicelib feature in one module."""
    parts = path.relative_to(root).with_suffix("").parts  # ("chalicelib", feature, ..., module)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(parts[: len(parts) - node.level])
                names = [".".join(base + ([node.module] if node.module else []))]
                if not node.module:  # from .. import x: x may be a feature
                    names = [f"{names[0]}.{a.name}" for a in node.names]
            elif node.module:
                names = [node.module]
        for name in names:
            bits = name.split(".")
            if bits[0] == "chalicelib" and len(bits) > 1:
                yield node.lineno, bits[1]


def features() -> set[str]:
    return {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}


def test_every_feature_is_on_the_map_and_only_those() -> None:
    assert set(feature_map()) == features()


def test_the_map_names_only_features_and_has_no_cycle() -> None:
    graph = feature_map()
    for name, deps in graph.items():
        assert deps <= set(graph), f"{name} may import unknown features {sorted(deps - set(graph))}"
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            assert state.get(dep) != 1, f"cycle in the map: {' -> '.join([*path, node, dep])}"
            if dep not in state:
                visit(dep, [*path, node])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])


def test_every_import_points_down() -> None:
    graph = feature_map()
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).parts
        if len(rel) < 2:
            continue
        own = rel[0]
        for line, target in imports_of(path):
            if target != own and target not in graph.get(own, set()):
                upward.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert upward == [], f"{len(upward)} imports the map does not allow:\n" + "\n".join(upward)


def test_the_checker_sees_relative_absolute_and_nested_imports(tmp_path: Path) -> None:
    """The check itself: a nested relative import and an absolute one are both found."""
    probe = tmp_path / "chalicelib" / "org" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text("from ..calls import store\nfrom .rules import x\n\n\ndef f():\n"
                     "    import chalicelib.board.service\n    from .. import digests\n", encoding="utf-8")
    assert sorted(t for _, t in imports_of(probe, tmp_path)) == ["board", "calls", "digests", "org"]


STORE_MODULES = re.compile(r"(^|_)store\.py$|^models\.py$|^db\.py$|^counters\.py$|^holdings\.py$")


def model_uses(path: Path) -> Iterator[tuple[int, str]]:
    """Where a module outside the stores touches PynamoDB: imports it, or names a `...Model` class other than
    in a type annotation (constructs one, builds update actions or conditions on its attributes, queries it)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    annotations: set[int] = set()  # annotations, and `if TYPE_CHECKING:` blocks: types, not uses
    for node in ast.walk(tree):
        for ann in (getattr(node, "annotation", None), getattr(node, "returns", None)):
            if ann is not None:
                annotations.update(id(n) for n in ast.walk(ann))
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            annotations.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    for node in ast.walk(tree):
        if id(node) in annotations:
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(n.split(".")[0] == "pynamodb" for n in names):
                yield node.lineno, "imports pynamodb"
            if isinstance(node, ast.ImportFrom):
                yield from ((node.lineno, f"imports {a.name}") for a in node.names if a.name.endswith("Model"))
        elif isinstance(node, ast.Attribute) and node.attr.endswith("Model"):
            yield node.lineno, f"uses {node.attr}"
        elif isinstance(node, ast.Name) and node.id.endswith("Model"):
            yield node.lineno, f"uses {node.id}"


def test_stores_own_the_tables() -> None:
    """No service, rules, routes or other module outside the stores touches a PynamoDB model (issue 17):
    they call intent-named store functions."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if STORE_MODULES.search(path.name):
            continue
        found += [f"{path.relative_to(ROOT)}:{line} {what}" for line, what in model_uses(path)]
    assert found == [], f"{len(found)} uses of models outside the stores:\n" + "\n".join(found)
