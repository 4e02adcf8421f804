"""Servers for the browser tests and the benchmark: Chromium's flags, an isolated Jupyter environment, and a server
process that is started, awaited and stopped by its own pid."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Jupyter's configuration for the lessons, read first by `make lab` and every server started here (Voila reads
#: voila.json from the repository root, the folder it is started in): TCP_NODELAY on kernel websockets.
JUPYTER_CONFIG = ROOT / "jupyter-config"
#: JupyterLab settings: the 'Jupyter news' toast of a fresh profile would cover the notebook.
LAB_OVERRIDES = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}
#: Debian's Chromium, headless, as root, on a machine whose only network is the loopback.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class ServerError(RuntimeError):
    """A server that exited or never answered; the message holds its log."""


def wait_until(condition: Callable[[], bool], *, seconds: float, failure: Callable[[], str]) -> None:
    """Poll a condition outside the browser (a process, an HTTP status) until it holds."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise ServerError(failure())
        time.sleep(0.2)


@dataclass
class Server:
    """A running server: its address, its token, its log and its process id."""

    base: str
    token: str
    log: Path
    pid: int

    def url(self, path: str) -> str:
        return f"{self.base}{path}?token={self.token}"

    def api(self, method: str, path: str) -> tuple[int, object]:
        """Make a request; return the HTTP status and the decoded JSON body (None when it is not JSON)."""
        request = urllib.request.Request(
            self.base + path, method=method, headers={"Authorization": f"token {self.token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                is_json = response.headers.get_content_type() == "application/json"
                return response.status, json.load(response) if is_json else None
        except urllib.error.HTTPError as error:
            return error.code, None
        except urllib.error.URLError:
            return 0, None


def isolated_env(home: Path) -> dict[str, str]:
    """This environment with a throwaway HOME and Jupyter, IPython and matplotlib folders under ``home``, one thread,
    and the lessons' Jupyter configuration."""
    env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
    for name in ("HOME", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "IPYTHONDIR", "MPLCONFIGDIR"):
        env[name] = str(home / name.lower())
    env["JUPYTER_CONFIG_PATH"] = str(JUPYTER_CONFIG)
    env["OMP_NUM_THREADS"] = "1"
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_root() -> list[str]:
    """Jupyter refuses to run as root unless told; tell it only when we are root."""
    return ["--allow-root"] if os.geteuid() == 0 else []


def jupyterlab_argv(
    *, port: int, token: str, root_dir: Path, settings_dir: Path, settings: dict | None = None
) -> list[str]:
    """JupyterLab as `make lab` starts it, on its own port and token, its settings (``LAB_OVERRIDES`` and
    ``settings``) written to ``settings_dir``, and the app exposed to the page as ``window.jupyterapp``."""
    settings_dir.mkdir(parents=True, exist_ok=True)
    (settings_dir / "overrides.json").write_text(json.dumps(LAB_OVERRIDES | (settings or {})))
    return [
        sys.executable, "-m", "jupyterlab", "--no-browser", *as_root(),
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root_dir}",
        f"--LabApp.app_settings_dir={settings_dir}", "--LabApp.expose_app_in_browser=True",
    ]  # fmt: skip


def voila_argv(target: Path, *, port: int, token: str, options: Sequence[str] = ()) -> list[str]:
    """Voila as `make demo` starts it (with voila.json, when started from ROOT), on its own port and token."""
    return [sys.executable, "-m", "voila", f"--port={port}", f"--token={token}", *options, str(target)]


@contextmanager
def serve(argv: list[str], *, port: int, token: str, ready: str, env: dict[str, str], log: Path) -> Iterator[Server]:
    """Start a server from the repository root, logging to `log`, wait until `ready` answers 200; afterwards stop
    it by its own pid."""
    with log.open("w") as out:
        process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", token, log, process.pid)

    def started() -> bool:
        if process.poll() is not None:
            raise ServerError(f"{log.stem} exited with {process.returncode}:\n{log.read_text()}")
        return server.api("GET", ready)[0] == 200

    try:
        wait_until(started, seconds=120, failure=lambda: f"{log.stem} did not answer:\n{log.read_text()}")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
