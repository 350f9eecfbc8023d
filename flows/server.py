"""A temporary Prefect API server for one `etl run` when no server is configured (PREFECT_API_URL unset)."""

from __future__ import annotations

import os
import threading


class TemporaryServer:
    """Starts Prefect's temporary API server in a background thread and exports its URL when asked.

    Started first thing, it boots (about 3 s) while the run imports the flow and Great Expectations, instead of
    after. Its URL goes into the environment, so task worker processes (process pool, local Dask cluster) use
    this server rather than each starting its own before its first task (6-14 s each, and their task runs would
    not be the flow's). Prefect stops the server when this process exits.
    """

    def __init__(self) -> None:
        self._url: str | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._start, name="prefect-temporary-server", daemon=True)
        self._thread.start()

    def _start(self) -> None:
        try:
            from prefect.server.api.server import SubprocessASGIServer

            server = SubprocessASGIServer()
            server.start()
            self._url = server.api_url
        except BaseException as error:  # reported by wait(), in the caller's thread
            self._error = error

    def wait(self) -> str:
        """Block until the server answers; export PREFECT_API_URL for this process and its children; return it."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._url is not None
        os.environ["PREFECT_API_URL"] = self._url
        return self._url


def start_server_unless_configured() -> TemporaryServer | None:
    """A TemporaryServer, or None when PREFECT_API_URL (environment or Prefect's settings) names a server."""
    from prefect.settings import PREFECT_API_URL

    return None if os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value() else TemporaryServer()
