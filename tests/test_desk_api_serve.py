"""``reopen-sim serve``: the address printed, the token rule, the browser, and a real server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from desk_support import ROOT, TINY
from reopen_sim.cli import main


def _serve(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    """Run ``reopen-sim serve ARGS`` through the entry point with uvicorn and the browser replaced."""
    seen: dict[str, Any] = {}
    import webbrowser

    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    monkeypatch.setattr(webbrowser, "open", lambda url: seen.update(opened=url))
    monkeypatch.setattr(sys, "argv", ["reopen-sim", "serve", *args])
    with pytest.raises(SystemExit) as ended:
        main()
    assert ended.value.code == 0
    seen["out"] = capsys.readouterr().out
    return seen


def test_serve_binds_loopback_without_a_token_and_opens_the_browser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen = _serve(monkeypatch, capsys, "--data", str(tmp_path), "--port", "8801")
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8801)
    assert seen["opened"] == "http://127.0.0.1:8801/"
    assert "http://127.0.0.1:8801/" in seen["out"]
    assert seen["app"].state.settings.token is None
    assert (tmp_path / "desk.sqlite3").is_file()
    zh = _serve(monkeypatch, capsys, "--data", str(tmp_path), "--no-browser", "--lang", "zh")
    assert "工作台" in zh["out"] and "http://127.0.0.1:8765/" in zh["out"]


def test_serve_beyond_loopback_generates_and_prints_a_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen = _serve(monkeypatch, capsys, "--data", str(tmp_path), "--host", "0.0.0.0", "--no-browser")
    token = seen["app"].state.settings.token
    assert token and len(token) >= 20
    assert f"?token={token}" in seen["out"]
    assert "opened" not in seen
    again = _serve(monkeypatch, capsys, "--data", str(tmp_path), "--host", "0.0.0.0", "--no-browser")
    assert again["app"].state.settings.token != token  # a new one each start
    given = _serve(
        monkeypatch, capsys, "--data", str(tmp_path), "--host", "0.0.0.0", "--no-browser", "--token", "mine"
    )
    assert given["app"].state.settings.token == "mine"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_a_real_server_answers_and_keeps_a_school_across_restarts(tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [
        sys.executable,
        "-m",
        "reopen_sim.cli",
        "serve",
        "--no-browser",
        "--port",
        str(port),
        "--data",
        str(tmp_path),
    ]
    for attempt in range(2):
        server = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"{base}/api/health").status_code == 200:
                        break
                except httpx.TransportError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise
                    time.sleep(0.2)
            if attempt == 0:
                r = httpx.post(f"{base}/api/schools", files={"file": (TINY.name, TINY.read_bytes())})
                assert r.status_code == 201
            schools = httpx.get(f"{base}/api/schools").json()
            assert [s["name"] for s in schools] == ["Tiny Village School"]
        finally:
            server.terminate()
            out, _ = server.communicate(timeout=30)
        assert f"{base}/" in out
        assert "Traceback" not in out
