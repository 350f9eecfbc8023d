"""What the terminal shows of a run's logs: errors in one line; their tracebacks go to a log file and Prefect's UI.

Prefect logs a failed task or flow with its traceback (twice: the task, then the flow). On the terminal the
CLI's own one-line reason says what happened; the tracebacks are for whoever debugs it: they stay in the
records sent to the Prefect server (UI) and in `<state_dir>/etl.log`, and show on the terminal only with
ETL_LOG_LEVEL=DEBUG.
"""

from __future__ import annotations

import logging
from pathlib import Path

LOG_FILE = "etl.log"


class _WithoutTraceback(logging.Formatter):
    """Formats as `inner` does, leaving out the record's traceback and stack (the record itself is untouched)."""

    def __init__(self, inner: logging.Formatter | None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        if not (record.exc_info or record.exc_text or record.stack_info):
            return self.inner.format(record)
        bare = logging.makeLogRecord(record.__dict__)
        bare.exc_info = bare.exc_text = bare.stack_info = None
        return self.inner.format(bare)


def _console_handlers() -> list[logging.Handler]:
    from prefect.logging.handlers import PrefectConsoleHandler

    loggers = [logging.getLogger()] + [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    return [h for logger in loggers for h in getattr(logger, "handlers", []) if isinstance(h, PrefectConsoleHandler)]


def tracebacks_to_log_file(state_dir: Path, log_level: str) -> Path:
    """Append every record at INFO and above, tracebacks included, to <state_dir>/etl.log; unless `log_level` is
    DEBUG, print records on the terminal without their traceback. Call once Prefect has set up its logging, before
    worker processes are forked (they inherit it). The log file's path."""
    log_file = state_dir.resolve() / LOG_FILE
    log_file.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    if not any(isinstance(h, logging.FileHandler) and Path(h.baseFilename) == log_file for h in root.handlers):
        handler = logging.FileHandler(log_file, encoding="utf-8")
        handler.setLevel(logging.INFO)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(processName)s: %(message)s"))
        root.addHandler(handler)
    if log_level.upper() != "DEBUG":
        for handler in _console_handlers():
            if not isinstance(handler.formatter, _WithoutTraceback):
                handler.setFormatter(_WithoutTraceback(handler.formatter))
    return log_file
