"""A temporary Prefect API server for one `etl run` when no server is configured (PREFECT_API_URL unset)."""

from __future__ import annotations

import atexit
import importlib.util
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

log = logging.getLogger("etl.server")

# The run stores its task results through an unsaved LocalFileSystem and saves no block, so the temporary server
# skips registering block types at start-up: to check that they are registered, it imports every installed Prefect
# collection first (prefect-dask, and with it Dask's distributed), about a sixth of its boot, on the run's way to
# its first task. A setting in the environment wins.
_LEAN_SERVER_DEFAULTS = {"PREFECT_SERVER_REGISTER_BLOCKS_ON_START": "false",
                         "PREFECT_SERVER_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false"}

# uvicorn exits with 3 when it cannot bind its port (taken between our probe and its bind): try another.
_PORT_TAKEN = 3
_PORT_ATTEMPTS = 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _use_api(url: str) -> None:
    """Point Prefect, here and in child processes, at `url` (Prefect reads its settings once, at import)."""
    os.environ["PREFECT_API_URL"] = url
    # It serves no UI: no "View at <UI link>" lines for pages that are not there.
    os.environ.setdefault("PREFECT_UI_URL", "")
    if "prefect.context" in sys.modules:
        from prefect.context import refresh_global_settings_context

        refresh_global_settings_context()


class TemporaryServer:
    """Prefect's API server in a subprocess of this run, started first thing; stopped when this process exits.

    It is the server Prefect itself would start (`SubprocessASGIServer`: uvicorn on Prefect's app factory, UI
    off), launched directly: Prefect launches it only after importing its whole server package, about 5 s
    later, and only once the flow is called. Started first, it boots while the run imports its libraries. Once
    `export`ed, Prefect in this process and in task worker processes (process pool, local Dask cluster) talks
    to it rather than each starting a server of its own.
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._exported = False
        self._launch()
        atexit.register(self.stop)

    def export(self) -> None:
        """Point Prefect, here and in child processes, at this server."""
        self._exported = True
        _use_api(self.url)

    def _launch(self) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        prefect_parent = Path(importlib.util.find_spec("prefect").origin).parent.parent
        # The environment of Prefect's own ephemeral server (prefect.server.api.server.SubprocessASGIServer).
        env = {**_LEAN_SERVER_DEFAULTS, **os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
               "PREFECT__SERVER_FINAL": "1"}
        env.pop("PREFECT_API_URL", None)
        # Ended by SIGTERM when this process ends, even by kill -9 (etl_flows.signals); in a process group of its
        # own, so a Ctrl-C at the terminal reaches only `etl`, which still needs the server to record how it ended.
        self._process = subprocess.Popen(
            [sys.executable, "-m", "etl_flows.signals", str(os.getpid()), "uvicorn", "--app-dir", str(prefect_parent),
             "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "error", "--lifespan", "on"],
            env=env, stdin=subprocess.DEVNULL, process_group=0)
        if self._exported:  # launched again on another port
            _use_api(self.url)

    def wait(self, timeout: float | None = None) -> str:
        """Block until the server answers /health (at most `timeout` seconds); its API URL. Raises if it cannot start."""
        if timeout is None:
            timeout = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "60"))
        deadline, attempts = time.monotonic() + timeout, 1
        while time.monotonic() < deadline:
            code = self._process.poll()
            if code == _PORT_TAKEN and attempts < _PORT_ATTEMPTS:
                attempts += 1
                self._launch()
                continue
            if code is not None:
                raise RuntimeError(f"the temporary Prefect server exited with code {code} before answering")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                    if response.status == 200:
                        log.info("Prefect API: temporary server on %s (stops with this run)", self.url)
                        return self.url
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the temporary Prefect server did not answer on {self.url} within {timeout:.0f} s")

    def stop(self) -> None:
        """Stop the server (politely, then by force); safe to call twice."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_server_unless_configured() -> TemporaryServer | None:
    """A TemporaryServer (exported), or None when PREFECT_API_URL (environment or Prefect's settings) names a server."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    # Launched before Prefect's settings are read: importing Prefect takes over a second, and the server's boot
    # is what the run waits for. Should a profile name a server after all, this one is stopped unused.
    server = TemporaryServer()
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        server.stop()
        return None
    server.export()
    return server
