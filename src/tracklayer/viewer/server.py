"""A small local web server for the viewer: the page, CesiumJS, the run's files and its view data.

Standard library only (`http.server.ThreadingHTTPServer`). Routes:

=================  ==========================================================
``/``              the viewer page (``static/index.html``)
``/static/...``    the viewer's own files (this package's ``static/`` folder)
``/cesium/...``    CesiumJS's ``Build/Cesium`` (installed by ``make viewer``)
``/run/...``       files of the run folder (``report.html``, ``scene.czml``, ...)
``/api/view.json`` the thinned scene, metrics and timelines (`tracklayer.viewer.data`)
=================  ==========================================================

Every file path is resolved (symbolic links included) and served only if it lies
inside its root; dot-files are never served. The server binds to 127.0.0.1 unless
told otherwise, and while bound to a loopback address it answers only requests whose
``Host`` is a loopback name (so a web page elsewhere cannot reach it by DNS
rebinding). Nothing is fetched from anywhere else: the page's Content-Security-Policy
allows only this origin.
"""

from __future__ import annotations

import ipaddress
import mimetypes
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tracklayer.errors import TracklayerError
from tracklayer.viewer.data import Budget, RunFolderError, check_run_folder, view_json

STATIC_DIR = Path(__file__).with_name("static")
CESIUM_ENV = "TRACKLAYER_CESIUM_DIR"
"""Environment variable naming a CesiumJS ``Build/Cesium`` folder to use instead of the default."""
INSTALL_HINT = "install them with `make viewer` (runs `npm ci` in the repository's viewer/ folder)"
_CESIUM_MARKERS = ("Cesium.js", "Widgets/widgets.css", "Assets/Textures/NaturalEarthII/tilemapresource.xml")
_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "worker-src 'self' blob:; connect-src 'self' data: blob:; script-src 'self' blob: 'unsafe-eval' 'wasm-unsafe-eval'; "
    "font-src 'self' data:; frame-src 'self'; object-src 'none'; base-uri 'none'"
)
_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".json": "application/json", ".czml": "application/json",
          ".wasm": "application/wasm", ".css": "text/css", ".svg": "image/svg+xml", ".xml": "application/xml",
          ".html": "text/html; charset=utf-8", ".png": "image/png", ".jpg": "image/jpeg", ".glb": "model/gltf-binary",
          ".ktx2": "image/ktx2", ".parquet": "application/vnd.apache.parquet"}


class ViewerError(TracklayerError):
    """A problem the user must fix (missing assets, bad run folder, port in use); one line."""


def default_cesium_dirs() -> list[Path]:
    """Where CesiumJS is looked for: $TRACKLAYER_CESIUM_DIR alone if set, else the source
    checkout's viewer/node_modules, then ./viewer/node_modules."""
    if os.environ.get(CESIUM_ENV):
        return [Path(os.environ[CESIUM_ENV])]
    rel = Path("viewer/node_modules/cesium/Build/Cesium")
    return [Path(__file__).resolve().parents[3] / rel, Path.cwd() / rel]


def find_cesium(explicit: Path | None = None) -> Path:
    """The CesiumJS ``Build/Cesium`` folder; raises `ViewerError` with the install command."""
    candidates = [explicit] if explicit is not None else default_cesium_dirs()
    for folder in candidates:
        if all((folder / m).is_file() for m in _CESIUM_MARKERS):
            return folder.resolve()
    looked = ", ".join(str(c) for c in candidates)
    raise ViewerError(f"viewer assets are not installed (no CesiumJS build in {looked}); {INSTALL_HINT}")


def resolve_inside(root: Path, rel: str) -> Path | None:
    """``root/rel`` if it is a regular file inside ``root`` after resolving links, else None.

    ``rel`` is a URL path below the route's prefix, already percent-decoded. Rejected:
    NUL bytes, backslashes, ``.``/``..`` segments, dot-files, absolute paths, and any
    path whose real location (symbolic links followed) leaves ``root``.
    """
    if "\x00" in rel or "\\" in rel or rel.startswith("/"):
        return None
    parts = rel.split("/")
    if any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        return None
    root_real = os.path.realpath(root)
    real = os.path.realpath(os.path.join(root_real, *parts))
    if os.path.commonpath([real, root_real]) != root_real or not os.path.isfile(real):
        return None
    return Path(real)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) names this machine's loopback interface."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ViewerServer(ThreadingHTTPServer):
    """Serves one run folder; ``url`` is where to point a browser."""

    daemon_threads = True

    def __init__(self, run_dir: Path, cesium_dir: Path, host: str = "127.0.0.1", port: int = 0, budget: Budget = Budget()):
        self.run_dir = check_run_folder(run_dir)
        self.cesium_dir = cesium_dir
        self.budget = budget
        self.loopback = is_loopback(host)
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._view: bytes | None = None
        self._lock = threading.Lock()
        try:
            super().__init__((host.strip("[]"), port), _Handler)
        except OSError as exc:
            raise ViewerError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        host = self.server_address[0]
        assert isinstance(host, str)  # an AF_INET or AF_INET6 address
        return f"http://{'[' + host + ']' if ':' in host else host}:{self.port}/"

    def handle_error(self, request, client_address) -> None:
        """A browser that closes a connection mid-answer (reload, tab closed) is normal: no traceback."""
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)):
            return
        super().handle_error(request, client_address)

    def view_bytes(self) -> bytes:
        """The view document, built once on first use."""
        with self._lock:
            if self._view is None:
                self._view = view_json(self.run_dir, self.budget)
            return self._view


class _Handler(BaseHTTPRequestHandler):
    server: ViewerServer
    server_version = "tracklayer-viewer"
    sys_version = ""

    def log_message(self, format: str, *args) -> None:  # quiet: the page makes hundreds of requests
        pass

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def do_GET(self) -> None:
        self._respond(head=False)

    def _host_ok(self) -> bool:
        if not self.server.loopback:
            return True
        host = (self.headers.get("Host") or "").strip()
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return is_loopback(name)

    def _respond(self, head: bool) -> None:
        if not self._host_ok():
            return self._error(HTTPStatus.FORBIDDEN, "requests must name a loopback host")
        path = unquote(urlsplit(self.path).path)
        body: bytes | None = None
        file: Path | None = None
        cache = "no-store"
        if path in ("/", "/index.html"):
            file = resolve_inside(STATIC_DIR, "index.html")
        elif path == "/api/view.json":
            try:
                body = self.server.view_bytes()
            except RunFolderError as exc:
                return self._error(HTTPStatus.INTERNAL_SERVER_ERROR, str(exc))
            ctype = "application/json"
        elif path.startswith("/static/"):
            file = resolve_inside(STATIC_DIR, path[len("/static/"):])
        elif path.startswith("/cesium/"):
            file = resolve_inside(self.server.cesium_dir, path[len("/cesium/"):])
            cache = "max-age=3600"
        elif path.startswith("/run/"):
            file = resolve_inside(self.server.run_dir, path[len("/run/"):])
        else:
            return self._error(HTTPStatus.NOT_FOUND, "not found")
        if body is None:
            if file is None:
                return self._error(HTTPStatus.NOT_FOUND, "not found")
            body = file.read_bytes()
            ctype = _TYPES.get(file.suffix.lower()) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", cache)
        self.send_header("Content-Security-Policy", _CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _error(self, status: HTTPStatus, message: str) -> None:
        body = f"{int(status)} {message}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def make_server(run_dir: Path, host: str = "127.0.0.1", port: int = 0, cesium_dir: Path | None = None, budget: Budget = Budget()) -> ViewerServer:
    """A ready (bound, not yet serving) viewer server; raises `ViewerError` for anything the user must fix."""
    cesium = find_cesium(cesium_dir)
    try:
        return ViewerServer(Path(run_dir), cesium, host, port, budget)
    except RunFolderError as exc:
        raise ViewerError(str(exc)) from None


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def serve(run_dir: Path, host: str = "127.0.0.1", port: int = 0, open_browser: bool = False, say: Callable[[str], None] = print) -> None:
    """Serve a run folder until interrupted (Ctrl+C), printing the URL; optionally open a browser."""
    server = make_server(run_dir, host, port)
    try:
        server.view_bytes()  # surface a damaged run folder now, not in the browser
    except RunFolderError as exc:
        server.server_close()
        raise ViewerError(str(exc)) from None
    if not server.loopback:
        say(f"warning: serving on {host}, which is not a loopback address: anyone who can reach it can read this run")
    say(f"tracklayer viewer for {server.run_dir} at {server.url}  (Ctrl+C to stop)")
    if open_browser:
        import webbrowser

        threading.Timer(0.3, webbrowser.open, args=(server.url,)).start()
    if threading.current_thread() is threading.main_thread():  # `kill` stops it as cleanly as Ctrl+C
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        say("viewer stopped")
    finally:
        server.server_close()
        sys.stdout.flush()
