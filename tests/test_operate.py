"""Operating it: failure notices to a webhook, the served flow's nothing-changed exit, readable artifacts.

Runs the real flows on the seeds under the session's Prefect test server; the webhook is a real HTTP server on
loopback (http.server in a thread) that records what it is sent.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import SEEDS

from etl.config import RunParameters
from etl.run.journal import read_journal
from etl.warehouse.tables import current_snapshot, read_table
from etl_flows.cli import main

pytestmark = pytest.mark.usefixtures("prefect_server")


@dataclass
class Receiver:
    url: str
    notices: list[dict] = field(default_factory=list)
    status: int = 200  # what it answers (500: a webhook that fails)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook on 127.0.0.1 that keeps every JSON body posted to it."""
    box = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            box.notices.append(json.loads(body))
            self.send_response(box.status)
            self.end_headers()

        def log_message(self, *args) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()


def _flow_run_name(flow_run_id: str) -> str:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(flow_run_id).name


def test_failed_run_posts_its_stage_shard_and_reason_and_a_completed_run_posts_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, receiver: Receiver) -> None:
    warehouse = tmp_path / "warehouse"
    monkeypatch.setenv("ETL_INJECT_FAILURE", "fields:2")
    assert main(["run", "--input", str(SEEDS), "--warehouse", str(warehouse), "--shard-size", "2",
                 "--notify", receiver.url]) == 1
    failed = read_journal(Path(os.environ["ETL_STATE_DIR"]))[-1]
    assert len(receiver.notices) == 1, receiver.notices
    notice = receiver.notices[0]
    assert (notice["event"], notice["state"], notice["stage"], notice["shard"]) == ("etl.run.failed", "Failed",
                                                                                      "fields", 2)
    assert notice["run_name"] == _flow_run_name(failed["flow_run_id"])
    assert "fields shard 2" in notice["reason"] and "ETL_INJECT_FAILURE" in notice["reason"]
    assert notice["warehouse"] == str(warehouse.resolve())

    monkeypatch.delenv("ETL_INJECT_FAILURE")
    assert main(["rerun", "--failed", "--notify", receiver.url]) == 0
    assert len(receiver.notices) == 1  # the completed re-run posted nothing


def test_a_failing_webhook_is_logged_and_the_run_ends_as_it_would(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, receiver: Receiver, capsys, caplog) -> None:
    receiver.status = 500
    monkeypatch.setenv("ETL_INJECT_FAILURE", "ingest:0")
    monkeypatch.setenv("ETL_NOTIFY_URL", receiver.url)  # the setting instead of the flag
    with caplog.at_level("WARNING", logger="etl.run.notify"):
        assert main(["run", "--input", str(SEEDS), "--warehouse", str(tmp_path / "warehouse")]) == 1
    assert [n["stage"] for n in receiver.notices] == ["ingest"]
    assert "error: run failed: stage failed: ingest shard 0" in capsys.readouterr().out
    assert any("could not notify" in r.getMessage() and "500" in r.getMessage() for r in caplog.records)


def _locked_parameters(tmp_path: Path) -> RunParameters:
    return RunParameters(input_dir=str(SEEDS), warehouse_dir=str(tmp_path / "warehouse"),
                         state_dir=str(tmp_path / "state"))


def test_a_deployed_run_with_nothing_changed_leaves_no_snapshot_and_no_runs_row(tmp_path: Path) -> None:
    """Through the flow a deployment runs (flows/deploy.py:locked_pipeline), as `etl serve` or a worker calls it."""
    from etl_flows.deploy import locked_pipeline

    parameters = _locked_parameters(tmp_path)
    first = locked_pipeline(**parameters.as_dict())
    assert first["status"] == "completed" and first["published"] == 5
    warehouse = Path(parameters.warehouse_dir)
    snapshot = current_snapshot(warehouse)
    second = locked_pipeline(**parameters.as_dict())
    assert second["status"] == "unchanged" and second["unchanged_since"] == first["run_id"]
    assert current_snapshot(warehouse) == snapshot  # no new snapshot
    assert len(read_table(warehouse, "runs")) == 1  # no runs row
    journal = read_journal(Path(parameters.state_dir))
    assert [e["status"] for e in journal] == ["completed", "unchanged"]
    # a changed input makes the next deployed run do its work
    source = tmp_path / "input"
    source.mkdir()
    for path in SEEDS.glob("*.txt"):
        (source / path.name).write_bytes(path.read_bytes())
    changed = RunParameters(**{**parameters.as_dict(), "input_dir": str(source)})
    assert locked_pipeline(**changed.as_dict())["status"] == "completed"
    assert len(read_table(warehouse, "runs")) == 2


def test_status_notifies_when_the_warehouse_is_stale_or_failing_and_only_then(
        tmp_path: Path, receiver: Receiver) -> None:
    warehouse, state = tmp_path / "warehouse", tmp_path / "state"
    status = ["status", "--warehouse", str(warehouse), "--state-dir", str(state), "--notify", receiver.url]
    assert main(status) == 1  # nothing ever ran here
    assert [n["event"] for n in receiver.notices] == ["etl.warehouse.unhealthy"]
    assert receiver.notices[0]["problems"] and receiver.notices[0]["warehouse"] == str(warehouse.resolve())
    assert main(["run", "--input", str(SEEDS), "--warehouse", str(warehouse), "--state-dir", str(state)]) == 0
    assert main(status) == 0
    assert len(receiver.notices) == 1  # healthy: nothing posted


def test_a_failed_deployed_run_notifies_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            receiver: Receiver) -> None:
    from etl_flows.deploy import locked_pipeline
    from etl_flows.pipeline import RunFailed

    monkeypatch.setenv("ETL_NOTIFY_URL", receiver.url)
    monkeypatch.setenv("ETL_INJECT_FAILURE", "entities:0")
    with pytest.raises(RunFailed):
        locked_pipeline(**_locked_parameters(tmp_path).as_dict())
    assert [(n["stage"], n["shard"]) for n in receiver.notices] == [("entities", 0)]


def _latest_artifact(key: str):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactCollectionFilter, ArtifactCollectionFilterKey

    with get_client(sync_client=True) as client:
        found = client.read_latest_artifacts(
            artifact_filter=ArtifactCollectionFilter(key=ArtifactCollectionFilterKey(any_=[key])))
    assert len(found) == 1, key
    data = found[0].data
    return json.loads(data) if isinstance(data, str) and found[0].type == "table" else data


def test_artifacts_aggregate_gates_per_stage_and_expectation_and_are_kept_per_warehouse(tmp_path: Path) -> None:
    from etl.quality.suites import default_expectations_dir
    from etl_flows.pipeline import artifact_keys

    suites = tmp_path / "expectations"
    suites.mkdir()
    for path in default_expectations_dir().glob("*.json"):
        (suites / path.name).write_bytes(path.read_bytes())
    fields = json.loads((suites / "fields.json").read_text(encoding="utf-8"))
    fields["expectations"].append({  # a title no other document has: one row of shard 1 goes to quarantine
        "type": "expect_column_values_to_not_match_regex", "kwargs": {"column": "title", "regex": "^Kazakhstan takes part"},
        "meta": {"name": "title_not_blacklisted", "severity": "quarantine"}})
    (suites / "fields.json").write_text(json.dumps(fields), encoding="utf-8")
    first, second = tmp_path / "one" / "warehouse", tmp_path / "two" / "warehouse"
    assert main(["run", "--input", str(SEEDS), "--warehouse", str(first), "--shard-size", "2",
                 "--expectations", str(suites)]) == 0
    assert main(["run", "--input", str(SEEDS), "--warehouse", str(second), "--shard-size", "5"]) == 0

    keys_one, keys_two = artifact_keys(str(first)), artifact_keys(str(second))
    assert keys_one["gate-results"] != keys_two["gate-results"]  # same folder name, another path: another key
    assert keys_one == artifact_keys(str(first))  # stable
    rows = _latest_artifact(keys_one["gate-results"])
    lines = [(row["stage"], row["expectation"]) for row in rows]
    assert len(lines) == len(set(lines))  # one row per stage and expectation, not one per shard
    assert all(row["shards checked"] == 3 for row in rows if row["stage"] == "fields")
    quarantined = next(row for row in rows if row["expectation"] == "title_not_blacklisted")
    assert (quarantined["result"], quarantined["failing shards"], quarantined["unexpected"]) == ("quarantined 1",
                                                                                                 "1", 1)
    assert not any(row["result"] == "FAIL" for row in rows)
    assert "title_not_blacklisted" not in json.dumps(_latest_artifact(keys_two["gate-results"]))
    summary = _latest_artifact(keys_one["run-summary"])
    assert "| fields |" not in summary and keys_one["gate-results"] in summary  # not repeated, pointed to
    assert f"{len(rows)} expectations: {len(rows) - 1} pass, 1 with rows quarantined, 0 FAIL" in summary
    assert "files seen | published" in summary and "| 5 | 4 | 1 |" in summary


@pytest.mark.parametrize(("rows", "expected"), [
    # a block expectation failing on shards 4 and 1 of three: FAIL, both listed in order
    ([{"shard": 0, "success": True, "severity": "block", "element_count": 10, "unexpected_count": 0},
      {"shard": 4, "success": False, "severity": "block", "element_count": 7, "unexpected_count": 2, "observed": "x"},
      {"shard": 1, "success": False, "severity": "block", "element_count": 3, "unexpected_count": 1}],
     ("FAIL", 20, 3, "1, 4", 3)),
    # a quarantine expectation failing on one shard: the rows went to quarantine, not a FAIL
    ([{"shard": 2, "success": False, "severity": "quarantine", "element_count": 9, "unexpected_count": 4},
      {"shard": 3, "success": True, "severity": "quarantine", "element_count": 9, "unexpected_count": 0}],
     ("quarantined 4", 18, 4, "2", 2)),
    # a quarantine expectation that could not be evaluated blocks: FAIL; rows without a shard are counted
    ([{"success": False, "severity": "quarantine", "element_count": 5, "unexpected_count": None,
       "observed": "error"}], ("FAIL", 5, 0, "1 shard(s)", 1)),
    ([{"shard": 0, "success": True, "severity": "block", "element_count": 5, "unexpected_count": 0}],
     ("pass", 5, 0, "-", 1)),
])
def test_gate_results_are_one_line_per_stage_and_expectation(rows: list[dict], expected: tuple) -> None:
    from etl.quality.results import aggregate_gates

    lines = aggregate_gates([{"stage": "fields", "suite": "fields", "expectation": "e", **row} for row in rows])
    assert len(lines) == 1
    row = lines[0].as_row()
    assert (row["result"], row["rows checked"], row["unexpected"], row["failing shards"],
            row["shards checked"]) == expected


def test_the_readmes_python_snippets_read_the_warehouse(seeded_warehouse: Path) -> None:
    """Every ```python block of README.md, run from the folder that holds `warehouse/` (no DuckDB CLI needed)."""
    import re
    import subprocess
    import sys

    from conftest import PROJECT

    blocks = re.findall(r"```python\n(.*?)\n```", (PROJECT / "README.md").read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) >= 2
    for block in blocks:
        done = subprocess.run([sys.executable, "-c", block], cwd=seeded_warehouse.parent, capture_output=True,
                              text=True, timeout=300, check=False)
        assert done.returncode == 0, block + "\n" + done.stderr[-2000:]
        assert re.search(r"\ben\b", done.stdout), done.stdout  # the seeds' English documents are counted


def test_etl_docs_says_what_one_row_is_for_every_table_and_ingested_at_is_the_runs_time() -> None:
    from etl import schemas
    from etl.warehouse.readme import warehouse_readme

    text = warehouse_readme()
    for table in schemas.TABLES:
        row = next(line for line in text.splitlines() if line.startswith(f"| [`{table}`]"))
        assert row.rstrip(" |").split("|")[-1].strip(), f"{table}: no 'one row is' sentence"
    ingested = next(line for line in text.splitlines() if line.startswith("| `ingested_at`"))
    assert "run" in ingested and "published (UTC)" not in ingested
