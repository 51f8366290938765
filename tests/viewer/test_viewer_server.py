"""The viewer's web server: serves only what it should, only to loopback by default, and
the CLI reports missing assets or bad folders in one line with exit status 2."""

from __future__ import annotations

import http.client
import json
import threading

import pytest
from typer.testing import CliRunner

from tracklayer.cli import app
from tracklayer.viewer.server import ViewerError, find_cesium, make_server, resolve_inside


@pytest.fixture
def server(smoke_run, fake_cesium):
    srv = make_server(smoke_run[1], cesium_dir=fake_cesium)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def get(srv, path: str, host: str | None = None, method: str = "GET") -> tuple[int, bytes, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    conn.putrequest(method, path, skip_host=True)
    conn.putheader("Host", host or f"127.0.0.1:{srv.port}")
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, body, dict(resp.getheaders())


def test_binds_to_loopback_by_default(server):
    assert server.server_address[0] == "127.0.0.1"
    assert server.url == f"http://127.0.0.1:{server.port}/" and server.port > 0


def test_serves_the_page_assets_run_files_and_view(server, smoke_run):
    status, body, headers = get(server, "/")
    assert status == 200 and b"tracklayer viewer" in body and "default-src 'self'" in headers["Content-Security-Policy"]
    assert get(server, "/static/app.js")[0] == 200
    assert get(server, "/cesium/Widgets/widgets.css")[1] == b"/* Widgets/widgets.css */"
    assert get(server, "/run/scene.czml")[1] == (smoke_run[1] / "scene.czml").read_bytes()
    status, body, headers = get(server, "/api/view.json")
    assert status == 200 and headers["Content-Type"] == "application/json" and json.loads(body)["run"]["scenario"] == "smoke"
    status, body, _ = get(server, "/static/app.js", method="HEAD")
    assert status == 200 and body == b""


@pytest.mark.parametrize(
    "path",
    [
        "/run/../../../etc/passwd", "/run/%2e%2e/%2e%2e/etc/passwd", "/run/..%2f..%2fetc%2fpasswd", "/static/../server.py",
        "/cesium/../../../../etc/passwd", "/run//etc/passwd", "/run/%2Fetc%2Fpasswd", "/run/.run.json.tmp", "/run/a%00b",
        "/run/..\\..\\etc\\passwd", "/run/", "/run/missing.parquet", "/etc/passwd", "/static/", "/api/other",
    ],
)
def test_rejects_paths_outside_the_served_folders(server, path):
    status, body, _ = get(server, path)
    assert status == 404, path
    assert b"root:" not in body


def test_rejects_symlinks_that_leave_the_run_folder(server, smoke_run, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    link = smoke_run[1] / "leak.txt"
    link.symlink_to(secret)
    inner = smoke_run[1] / "scene-link.czml"
    inner.symlink_to(smoke_run[1] / "scene.czml")
    try:
        assert get(server, "/run/leak.txt")[0] == 404
        assert get(server, "/run/scene-link.czml")[0] == 200  # a link that stays inside is fine
        assert resolve_inside(smoke_run[1], "leak.txt") is None
    finally:
        link.unlink()
        inner.unlink()


def test_answers_only_loopback_host_names(server):
    assert get(server, "/", host="evil.example:80")[0] == 403
    assert get(server, "/", host=f"localhost:{server.port}")[0] == 200
    assert get(server, "/", host=f"[::1]:{server.port}")[0] == 200


def test_missing_assets_name_the_install_command(tmp_path, monkeypatch, smoke_run):
    monkeypatch.setenv("TRACKLAYER_CESIUM_DIR", str(tmp_path))
    with pytest.raises(ViewerError, match="make viewer"):
        find_cesium()
    result = CliRunner().invoke(app, ["view", str(smoke_run[1])])
    assert result.exit_code == 2
    assert "viewer assets are not installed" in result.output and "make viewer" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(app, ["run", "smoke", "--out", str(tmp_path / "o"), "--view", "-q"])
    assert result.exit_code == 2 and "make viewer" in result.output and not (tmp_path / "o" / "truth.parquet").exists()


def test_cli_view_rejects_a_folder_that_is_not_a_run(tmp_path, monkeypatch, fake_cesium):
    monkeypatch.setenv("TRACKLAYER_CESIUM_DIR", str(fake_cesium))
    result = CliRunner().invoke(app, ["view", str(tmp_path)])
    assert result.exit_code == 2
    assert "truth.parquet: missing" in result.output and len(result.output.strip().splitlines()) == 1


def test_cli_view_rejects_a_port_in_use(smoke_run, monkeypatch, fake_cesium, server):
    monkeypatch.setenv("TRACKLAYER_CESIUM_DIR", str(fake_cesium))
    result = CliRunner().invoke(app, ["view", str(smoke_run[1]), "--port", str(server.port)])
    assert result.exit_code == 2 and "cannot listen" in result.output


def test_client_disconnects_print_nothing(server, capsys):
    for exc in (BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset")):
        try:
            raise exc
        except OSError:
            server.handle_error(None, ("127.0.0.1", 1))
    assert capsys.readouterr().err == ""
    try:
        raise RuntimeError("a real bug")
    except RuntimeError:
        server.handle_error(None, ("127.0.0.1", 1))
    assert "a real bug" in capsys.readouterr().err
