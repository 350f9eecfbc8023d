"""The flows' failure hook: a failed or crashed run posts a notice to ETL_NOTIFY_URL (see etl.run.notify).

Attached with `on_failure` / `on_crashed` to both flows (`etl run` runs `etl_pipeline`, deployments run
`locked_pipeline`): Prefect calls it in the flow run's process once the run's final state is known. The URL is
read from the environment there (`etl run/serve --notify URL` exports it, `etl deploy` puts it in the
deployment's job variables), so a served or deployed run notifies as `etl run` does. A completed run posts nothing.
"""

from __future__ import annotations

import logging

from prefect.utilities.urls import url_for

from etl.config import load_settings
from etl.run.notify import failure_notice, post_notice

log = logging.getLogger("etl.notify")


def notify_failure(flow, flow_run, state) -> None:
    """Prefect state hook: post the run's name, failed stage and shard, and reason to the configured webhook."""
    url = load_settings().notify_url
    if not url:
        return
    summary, reason = None, state.message or state.name
    try:
        error = state.result(raise_on_failure=False)
    except Exception as unreadable:  # noqa: BLE001 - a crashed run may have no result to read; its message says enough
        log.debug("no result in the %s state: %s", state.name, unreadable)
        error = None
    if isinstance(error, BaseException):
        summary = getattr(error, "summary", None)  # a RunFailed carries the run's summary; its message is the reason
        reason = str(error) if summary is not None else f"{type(error).__name__}: {error}"
    notice = failure_notice(flow_run.name, str(flow_run.id), state.name, reason, summary,
                            warehouse=(flow_run.parameters or {}).get("warehouse_dir"), ui_url=url_for(flow_run))
    if post_notice(url, notice):
        log.info("notified %s: %s", url, notice["text"])
