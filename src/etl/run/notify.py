"""Failure notices: what failed, where, and why, posted as JSON to a webhook (ETL_NOTIFY_URL / --notify URL).

A notice never fails the run it reports on: an unreachable or failing webhook is logged and dropped.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Mapping

from etl.quality.results import STAGE_ORDER

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10


def failed_stage(summary: Mapping | None) -> tuple[str | None, list[int]]:
    """The first stage (in run order) with failed shards in a run summary, and those shard numbers."""
    tasks = (summary or {}).get("tasks") or {}
    for stage in sorted(tasks, key=lambda name: STAGE_ORDER.index(name) if name in STAGE_ORDER else len(STAGE_ORDER)):
        failed = list((tasks[stage] or {}).get("failed") or [])
        if failed:
            return stage, failed
    return None, []


def failure_notice(run_name: str, flow_run_id: str | None, state: str, reason: str, summary: Mapping | None = None,
                   warehouse: str | None = None, ui_url: str | None = None) -> dict:
    """The JSON body of a failure notice: the run, its failed stage and shard (first failed shard), the reason."""
    stage, shards = failed_stage(summary)
    return {
        "event": "etl.run.failed", "run_name": run_name, "flow_run_id": flow_run_id, "state": state,
        "stage": stage, "shard": shards[0] if shards else None, "failed_shards": shards, "reason": reason,
        "run_id": (summary or {}).get("run_id"), "warehouse": warehouse, "ui_url": ui_url,
        "text": f"ETL run {run_name} {state.lower()}"
                + (f" in {stage} shard {shards[0]}" if shards else "") + f": {reason}",
    }


def unhealthy_notice(warehouse: str, problems: list[str]) -> dict:
    """The JSON body of a staleness notice (`etl status --notify`): the warehouse and its problems."""
    return {"event": "etl.warehouse.unhealthy", "warehouse": warehouse, "problems": list(problems),
            "text": f"ETL warehouse {warehouse} is unhealthy: " + "; ".join(problems)}


def post_notice(url: str, notice: Mapping) -> bool:
    """POST `notice` as JSON to `url`; True when the webhook answered 2xx. Never raises: a failure is logged."""
    request = urllib.request.Request(url, data=json.dumps(notice, ensure_ascii=False, default=str).encode("utf-8"),
                                     headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError) as error:
        log.warning("could not notify %s of %s: %s", url, notice.get("event"), error)
        return False
