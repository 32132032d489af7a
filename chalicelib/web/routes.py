"""The mobile web client: static files packaged with the app (chalicelib/web/static) and served by
the same API, so that `chalice local` and API Gateway serve the client exactly as they serve the API.

Three public routes: `/` (the page, under a strict Content-Security-Policy), `/sw.js` (the service
worker, at the root so that its scope is the whole app) and `/app/{name}` (every other file, by name
from a fixed list). Each answer carries an ETag; a matching If-None-Match gets a 304. The service
worker is stamped with a build id (a hash of every file), so a deploy that changes any file installs
a new worker, which caches the new files for offline use.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from chalice import Blueprint, Response

from ..core import errors
from ..core.http import Req, endpoint, error_response

web_bp = Blueprint(__name__)
STATIC = Path(__file__).resolve().parent / "static"
TYPES = {
    ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8", ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml", ".webmanifest": "application/manifest+json",
}
ROOT_FILES = ("index.html", "sw.js")  # served at / and /sw.js, not under /app/
# Nothing from outside the app: scripts, styles, images, fonts and API calls come from this origin only.
CSP = "; ".join([
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "font-src 'self'", "connect-src 'self'", "manifest-src 'self'", "worker-src 'self'",
    "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
])
SECURITY = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
            "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
            "Strict-Transport-Security": "max-age=31536000"}  # browsers ignore it over plain http (local)


def page_csp() -> str:
    """The page's CSP: CSP, with the bulk bucket's origin added to connect-src only — the import screen
    PUTs a list straight to its presigned URL (never through a Lambda: 20 MB files) and reads the
    error report from there. The origin is taken from a link signed by the same client that signs the
    real ones (no network call): moto's server locally, the bucket's S3 host in AWS."""
    return _page_csp(_bucket_origin())


def _bucket_origin() -> str:
    from urllib.parse import urlsplit

    from ..imports import blobs  # the S3 adapter of the bulk bucket (imported when the page is first served)

    url = urlsplit(blobs.upload_url("uploads/origin"))
    return f"{url.scheme}://{url.netloc}"


@lru_cache(maxsize=4)
def _page_csp(origin: str) -> str:
    return CSP.replace("connect-src 'self'", f"connect-src 'self' {origin}")


@dataclass(frozen=True)
class Asset:
    body: str
    content_type: str
    etag: str


# Each screen keeps its own strings and styles beside its script: `hi.<area>.json`, `en.<area>.json` and
# `app.<area>.css` are merged into the one `hi.json`, `en.json` and `app.css` the client loads (one
# request each, as before); they are not served on their own.
FRAGMENT = re.compile(r"^(?P<base>hi|en)\.(?P<area>[a-z_]+)\.json$|^app\.(?P<css>[a-z_]+)\.css$")


def _merge(raw: dict[str, str]) -> dict[str, str]:
    merged = {name: body for name, body in raw.items() if not FRAGMENT.match(name)}
    for name, body in sorted(raw.items()):
        match = FRAGMENT.match(name)
        if match is None:
            continue
        if match["css"]:
            merged["app.css"] = f"{merged['app.css'].rstrip()}\n\n/* {name} */\n{body}"
            continue
        target = f"{match['base']}.json"
        base, extra = json.loads(merged[target]), json.loads(body)
        clash = sorted(set(base) & set(extra))
        if clash:
            raise ValueError(f"{name} repeats keys of {target}: {clash[:5]}")
        merged[target] = json.dumps({**base, **extra}, ensure_ascii=False, indent=1)
    return merged


def catalogue(lang: str) -> dict[str, str]:
    """The strings of one language as the client receives them (base catalogue and every fragment)."""
    return json.loads(assets()[f"{lang}.json"].body)  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def assets() -> dict[str, Asset]:
    """Every file of the client, read once per container (fragments merged). sw.js gets the build id and
    the list of files to keep offline."""
    raw = _merge({p.name: p.read_text(encoding="utf-8") for p in sorted(STATIC.iterdir())
                  if p.is_file() and p.suffix in TYPES})
    build = hashlib.sha256("".join(f"{n}\0{b}\0" for n, b in sorted(raw.items())).encode()).hexdigest()[:16]
    shell = ["/"] + [f"/app/{n}" for n in sorted(raw) if n not in ROOT_FILES]
    raw["sw.js"] = raw["sw.js"].replace("__BUILD__", build).replace("__SHELL__", json.dumps(shell))
    return {name: Asset(body, TYPES[Path(name).suffix], f'"{hashlib.sha256(body.encode()).hexdigest()[:20]}"')
            for name, body in raw.items()}


def _serve(req: Req, name: str, extra: dict[str, str] | None = None) -> Response:
    asset = assets().get(name)
    if asset is None:
        return error_response(errors.NotFound(f"the web client has no file {name!r}", field="name"))
    headers: dict[str, str | list[str]] = {"Content-Type": asset.content_type, "ETag": asset.etag,
                                           "Cache-Control": "no-cache", **SECURITY, **(extra or {})}
    if asset.etag in {t.strip() for t in (req.headers.get("if-none-match") or "").split(",")}:
        return Response(body="", status_code=304, headers=headers)
    return Response(body=asset.body, status_code=200, headers=headers)


@endpoint(web_bp, "/", public=True)
def index(req: Req) -> Response:
    return _serve(req, "index.html", {"Content-Security-Policy": page_csp()})


@endpoint(web_bp, "/sw.js", public=True)
def service_worker(req: Req) -> Response:
    return _serve(req, "sw.js", {"Service-Worker-Allowed": "/"})


@endpoint(web_bp, "/app/{name}", public=True)
def static_file(req: Req, name: str) -> Response:
    if name in ROOT_FILES:  # only at their own paths
        return _serve(req, f"/app/{name}")
    return _serve(req, name, {"Content-Security-Policy": page_csp()} if name.endswith(".html") else None)
