"""The web client's weight on the wire: every script and the stylesheet as the server sends them
(chalicelib.web.routes.assets(): the catalogue and CSS fragments merged, sw.js stamped), each gzipped
(zlib level 6, what a server or CDN compresses with by default), against issue 15's budget of 150 KB for
all of the client's JavaScript and CSS together. The agent's phone downloads every script once (the
service worker keeps them offline), so the budget counts them all, lazily loaded screens included.

    python -m bench.web        # prints the table; exit 1 over budget

`client_size()` is what bench/__main__.py reports and tests/unit/test_client_size.py holds to the budget.
"""

from __future__ import annotations

import gzip
import json
import sys
from typing import Any

BUDGET_BYTES = 150_000  # 150 KB (decimal kilobytes: the stricter reading of "150 KB")
LEVEL = 6


def gzipped(body: str) -> int:
    return len(gzip.compress(body.encode("utf-8"), compresslevel=LEVEL, mtime=0))


def client_size() -> dict[str, Any]:
    """{"files": {name: {"bytes", "gzip"}}, "total_gzip", "total_bytes", "budget_gzip", "within_budget",
    "others": {...}}: `files` are every .js and app.css as served; `others` (the page, the catalogues,
    icons, the manifest) are listed for information and not counted."""
    from chalicelib.web.routes import assets

    counted: dict[str, dict[str, int]] = {}
    others: dict[str, dict[str, int]] = {}
    for name, asset in sorted(assets().items()):
        row = {"bytes": len(asset.body.encode("utf-8")), "gzip": gzipped(asset.body)}
        (counted if name.endswith(".js") or name == "app.css" else others)[name] = row
    total = sum(row["gzip"] for row in counted.values())
    return {"files": counted, "total_gzip": total, "total_bytes": sum(row["bytes"] for row in counted.values()),
            "budget_gzip": BUDGET_BYTES, "within_budget": total <= BUDGET_BYTES, "gzip_level": LEVEL,
            "others": others}


def table(size: dict[str, Any]) -> str:
    lines = ["| file | bytes | gzip |", "|---|---|---|"]
    for name, row in sorted(size["files"].items(), key=lambda item: -item[1]["gzip"]):
        lines.append(f"| {name} | {row['bytes']:,} | {row['gzip']:,} |")
    verdict = "within" if size["within_budget"] else "OVER"
    lines.append(f"| **JS + CSS** | {size['total_bytes']:,} | **{size['total_gzip']:,}** "
                 f"({verdict} the budget of {size['budget_gzip']:,}) |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    size = client_size()
    if argv and "--json" in argv:
        print(json.dumps(size, indent=1))
    else:
        print(table(size))
    return 0 if size["within_budget"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
