"""Running the app: a socket on 127.0.0.1 (or the host asked for), uvicorn, the browser opened."""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable
from dataclasses import dataclass

from dicomhelp.errors import UsageError
from dicomhelp.view.index import FolderIndex


@dataclass
class Listening:
    host: str
    port: int
    token: str
    sock: socket.socket

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/?token={self.token}"


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening socket; a port in use or a host that is not this machine's is a usage error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(f"port {port} is in use", source=f"{host}:{port}",
                             hint="choose another with --port, or leave --port out for a free one") from None
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                         hint="--host takes an address of this machine, e.g. 127.0.0.1") from None
    sock.set_inheritable(True)
    return sock


def warm_up(index: FolderIndex) -> None:
    """Render one page and one frame before the URL is printed.

    The first page otherwise pays for the imports (validation rules, the knowledge index,
    pydicom's pixel handlers, PNG) and the template compilation: ~0.5 s of the user's first click.
    """
    from dicomhelp.errors import DicomHelpError
    from dicomhelp.view.frames import frame_png
    from dicomhelp.view.html import Links, render_folder, render_instance
    from dicomhelp.view.pages import instance_page

    links = Links()
    render_folder(index, links)
    one_of_each: dict[str, object] = {}
    for entry in index.readable:  # one instance of each SOP class: its IOD's tables are loaded too
        one_of_each.setdefault(entry.sop_class, entry)
    for entry in list(one_of_each.values())[:6]:
        try:
            render_instance(instance_page(index, entry), links)  # type: ignore[arg-type]
            if entry.kind == "image":  # type: ignore[attr-defined]
                frame_png(index, entry, 1)  # type: ignore[arg-type]
        except DicomHelpError:
            pass


def serve(index: FolderIndex, *, host: str = "127.0.0.1", port: int = 0, token: str | None = None,
          on_ready: Callable[[Listening], None] | None = None) -> None:
    """Serve ``index`` until interrupted (Ctrl-C raises KeyboardInterrupt after a clean shutdown)."""
    import uvicorn

    from dicomhelp.view.app import create_app, new_token

    sock = bind(host, port)
    warm_up(index)
    listening = Listening(host, sock.getsockname()[1], token or new_token(), sock)
    app = create_app(index, token=listening.token, cookie=f"dicomhelp-{listening.port}")
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", server_header=False)
    server = uvicorn.Server(config)
    if on_ready is not None:
        on_ready(listening)
    try:
        # uvicorn handles SIGINT itself: it stops serving, then raises the signal again (KeyboardInterrupt).
        server.run(sockets=[sock])
    finally:
        sock.close()
