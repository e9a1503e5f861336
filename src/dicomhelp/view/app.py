"""The web application: Starlette routes over the folder index, behind a token.

Every request must carry the token, in the URL (``?token=``, as Jupyter does)
or in the cookie the first such request sets (HttpOnly, SameSite=Strict, named
after the port), so other local users and other web pages cannot read the
files. Only files the index holds are served: a path that is not one of them
(``..``, an absolute path, a symlink out of the tree) is a 404. Every response
carries a Content-Security-Policy without inline script; a broken file gives a
page that says what is wrong, never a traceback.
"""

from __future__ import annotations

import json
import secrets
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from dicomhelp.errors import DicomHelpError
from dicomhelp.view.html import CSP_HEADER, Links, render_error, render_explanation, render_folder, render_instance
from dicomhelp.view.index import Entry, FolderIndex
from dicomhelp.view.pages import explanation, instance_page

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

SECURITY_HEADERS = [
    (b"content-security-policy", CSP_HEADER.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),  # the token in the URL never leaves in a Referer
    (b"cache-control", b"no-store"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
# The document alone: no script, no forms, no same-origin access, even if it is opened by itself.
DOCUMENT_CSP = b"sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"
DOCUMENT_TYPES = {
    "1.2.840.10008.5.1.4.1.1.104.1": ("application/pdf", "pdf"),
    "1.2.840.10008.5.1.4.1.1.104.2": ("text/xml", "xml"),
    "1.2.840.10008.5.1.4.1.1.104.3": ("model/stl", "stl"),
    "1.2.840.10008.5.1.4.1.1.104.4": ("model/obj", "obj"),
    "1.2.840.10008.5.1.4.1.1.104.5": ("model/mtl", "mtl"),
}


def new_token() -> str:
    return secrets.token_urlsafe(24)


class TokenGate:
    """ASGI middleware: the token or its cookie, else 403; security headers on every response."""

    def __init__(self, app: Any, token: str, cookie: str) -> None:
        self.app, self.token, self.cookie = app, token, cookie

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [""])[0]
        by_url = bool(given) and secrets.compare_digest(given, self.token)
        if not by_url and not self._cookie_ok(scope):
            await _plain(send, 403, "403: this dicomhelp view needs its token: open the URL it printed "
                                    "(http://127.0.0.1:PORT/?token=...)")
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name for name, _ in headers}
                headers += [(n, v) for n, v in SECURITY_HEADERS if n not in names]
                if by_url:
                    headers.append((b"set-cookie", f"{self.cookie}={self.token}; Path=/; HttpOnly; "
                                                   "SameSite=Strict".encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _cookie_ok(self, scope: dict[str, Any]) -> bool:
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                jar: SimpleCookie = SimpleCookie()
                try:
                    jar.load(value.decode("latin-1"))
                except Exception:  # noqa: BLE001 - a malformed cookie header is no token
                    return False
                morsel = jar.get(self.cookie)
                if morsel is not None and secrets.compare_digest(morsel.value, self.token):
                    return True
        return False


async def _plain(send: Any, status: int, text: str) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                            *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": body})


def create_app(index: FolderIndex, *, token: str, cookie: str = "dicomhelp-token") -> Any:
    """The ASGI app serving ``index`` (wrapped in the token gate)."""
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    links = Links()
    views = _Views(index, links)
    routes = [
        Route("/", views.home),
        Route("/file/{rel:path}", views.instance),
        Route("/frame/{rel:path}", views.frame),
        Route("/layer/{rel:path}", views.layer),
        Route("/region/{rel:path}", views.region),
        Route("/segment/{rel:path}", views.segment),
        Route("/document/{rel:path}", views.document),
        Route("/explain", views.explain),
        Route("/api/index", views.api_index),
        Route("/api/dump/{rel:path}", views.api_dump),
        Route("/api/validate/{rel:path}", views.api_validate),
        Mount("/static", app=StaticFiles(packages=[("dicomhelp.view", "static")]), name="static"),
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        from starlette.responses import HTMLResponse

        status = getattr(exc, "status_code", 404)
        detail = getattr(exc, "detail", "") or "not found"
        return HTMLResponse(render_error(str(detail), links, status), status_code=status)

    async def internal(request: Request, exc: Exception) -> Response:
        from starlette.responses import HTMLResponse

        message = f"internal error: {type(exc).__name__}: {exc} (a bug in dicomhelp: please report it)"
        return HTMLResponse(render_error(message, links, 500), status_code=500)

    app: Starlette = Starlette(routes=routes, exception_handlers={HTTPException: not_found, Exception: internal})
    return TokenGate(app, token, cookie)


class _Views:
    def __init__(self, index: FolderIndex, links: Links) -> None:
        self.index, self.links = index, links

    # -- helpers ------------------------------------------------------------------

    def entry(self, rel: str, *, kinds: tuple[str, ...] | None = None) -> Entry:
        """The indexed file at ``rel``, or 404: nothing outside the index is ever opened."""
        from starlette.exceptions import HTTPException

        entry = self.index.by_rel(rel)
        if entry is None or (kinds is not None and entry.kind not in kinds):
            raise HTTPException(404, f"{rel}: no such DICOM file under the folder being viewed")
        real = self.index.path_of(entry).resolve()
        if not real.is_relative_to(self.index.root):  # replaced by a symlink since it was indexed
            raise HTTPException(404, f"{rel}: no such DICOM file under the folder being viewed")
        return entry

    def optional(self, request: Request, name: str, kinds: tuple[str, ...]) -> Entry | None:
        rel = request.query_params.get(name)
        return self.entry(rel, kinds=kinds) if rel else None

    @staticmethod
    def number(request: Request, name: str, default: int = 1) -> int:
        try:
            return max(int(request.query_params.get(name, default)), 1)
        except ValueError:
            return default

    @staticmethod
    def window(request: Request) -> tuple[float, float] | None:
        try:
            c, w = request.query_params.get("wc", ""), request.query_params.get("ww", "")
            return (float(c), float(w)) if c and w else None
        except ValueError:
            return None

    @staticmethod
    def picture(make: Any) -> Response:
        from starlette.responses import PlainTextResponse, Response

        try:
            return Response(make(), media_type="image/png")
        except DicomHelpError as exc:
            return PlainTextResponse(exc.message, status_code=422)

    # -- pages ---------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        from starlette.responses import HTMLResponse, RedirectResponse

        if self.index.single_file:
            # The query (the token) goes along, for clients that do not keep the cookie.
            query = f"?{request.url.query}" if request.url.query else ""
            return RedirectResponse(self.links.instance(self.index.entries[0]) + query, status_code=302)
        return HTMLResponse(render_folder(self.index, self.links))

    async def instance(self, request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool
        from starlette.responses import HTMLResponse

        entry = self.entry(request.path_params["rel"])
        ps = self.optional(request, "ps", ("gsps",))
        sr = self.optional(request, "region", ("sr",))
        region = (sr, request.query_params.get("item", "")) if sr is not None else None
        frame = self.number(request, "frame")
        page = await run_in_threadpool(instance_page, self.index, entry, frame=frame, ps=ps, region=region)
        return HTMLResponse(render_instance(page, self.links))

    async def explain(self, request: Request) -> Response:
        from starlette.responses import HTMLResponse

        key = request.query_params.get("key", "")
        sop = request.query_params.get("sop", "")
        return HTMLResponse(render_explanation(explanation(key, sop)))

    # -- pictures ------------------------------------------------------------------

    async def frame(self, request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        from dicomhelp.view.frames import frame_png

        entry = self.entry(request.path_params["rel"], kinds=("image",))
        ps = self.optional(request, "ps", ("gsps",))
        n, window = self.number(request, "n"), self.window(request)
        return await run_in_threadpool(self.picture, lambda: frame_png(self.index, entry, n, window=window, ps=ps))

    async def layer(self, request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        from dicomhelp.view.frames import layer_png

        ps = self.entry(request.path_params["rel"], kinds=("gsps",))
        image = self.optional(request, "image", ("image",)) or self.entry("", kinds=("image",))
        name, n = request.query_params.get("layer", ""), self.number(request, "n")
        return await run_in_threadpool(self.picture, lambda: layer_png(self.index, ps, image, name, n))

    async def region(self, request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        from dicomhelp.view.frames import region_png

        sr = self.entry(request.path_params["rel"], kinds=("sr",))
        image = self.optional(request, "image", ("image",)) or self.entry("", kinds=("image",))
        ps = self.optional(request, "ps", ("gsps",))
        item = request.query_params.get("item", "")
        return await run_in_threadpool(self.picture, lambda: region_png(self.index, sr, item, image, ps))

    async def segment(self, request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        from dicomhelp.view.frames import segment_png

        seg = self.entry(request.path_params["rel"], kinds=("seg",))
        image = self.optional(request, "image", ("image",)) or self.entry("", kinds=("image",))
        ps = self.optional(request, "ps", ("gsps",))
        number, n = self.number(request, "number"), self.number(request, "n")
        return await run_in_threadpool(self.picture, lambda: segment_png(self.index, seg, image, number, n, ps))

    async def document(self, request: Request) -> Response:
        from starlette.responses import PlainTextResponse, Response

        entry = self.entry(request.path_params["rel"], kinds=("pdf", "document"))
        try:
            data, mime = encapsulated_document(self.index, entry)
        except DicomHelpError as exc:
            return PlainTextResponse(exc.message, status_code=422)
        media, suffix = DOCUMENT_TYPES.get(entry.sop_class, ("application/octet-stream", "bin"))
        media = media if entry.kind == "pdf" else "application/octet-stream"  # never rendered by the browser
        name = f"{entry.name}.{suffix}".replace('"', "")
        return Response(data, media_type=media, headers={
            "content-security-policy": DOCUMENT_CSP.decode(),
            "content-disposition": f'inline; filename="{name}"'})

    # -- JSON, for scripts and the tests -------------------------------------------

    async def api_index(self, request: Request) -> Response:
        from dataclasses import asdict

        from starlette.responses import JSONResponse

        return JSONResponse({"root": str(self.index.root), "hierarchy": self.index.hierarchy_source,
                             "files": [asdict(e) for e in self.index.entries]})

    async def api_dump(self, request: Request) -> Response:
        from starlette.responses import Response

        from dicomhelp.inspect.dicom_json import to_dicom_json
        from dicomhelp.io import quiet_pydicom, read_file

        entry = self.entry(request.path_params["rel"])
        try:
            with quiet_pydicom():
                data = to_dicom_json(read_file(self.index.path_of(entry)))
        except DicomHelpError as exc:
            data = {"error": exc.message}
        return Response(json.dumps(data, indent=2, ensure_ascii=False), media_type="application/json")

    async def api_validate(self, request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool
        from starlette.responses import JSONResponse

        from dicomhelp.validate import ValidateOptions, validate_file

        entry = self.entry(request.path_params["rel"])
        report = await run_in_threadpool(validate_file, self.index.path_of(entry), ValidateOptions(info=True))
        return JSONResponse(report.to_dict())


def encapsulated_document(index: FolderIndex, entry: Entry) -> tuple[bytes, str]:
    """The document inside and its MIME type, byte-identical to what ``dicomhelp extract`` writes."""
    from dicomhelp.create.pdf import extract_document
    from dicomhelp.io import read_file

    path = index.path_of(entry)
    # The document is the Encapsulated Document element, not pixel data: the header read holds it.
    return extract_document(read_file(path).dataset, source=str(path))
