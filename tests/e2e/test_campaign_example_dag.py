"""The Campaign example DAG, end to end with ``airflow dags test`` against the emulator."""

from __future__ import annotations

import csv
import json


def test_campaign_example_dag_runs_end_to_end(run_dag, emulator):
    result = run_dag("sinch_campaign_example")

    assert result.succeeded, result.output[-5000:]
    run_dirs = list((result.output_dir / "campaign").iterdir())
    assert len(run_dirs) == 1
    events = [json.loads(line) for line in (run_dirs[0] / "events.jsonl").read_text().splitlines()]
    stats = list(csv.DictReader((run_dirs[0] / "stats.csv").open()))

    # 5 recipients from the CSV + 2 texted later, each submitted exactly once.
    submitted = sorted(e["contact"]["msisdn"] for e in events if e["type"] == "SUBMIT")
    assert submitted == [
        "15550100001",
        "15550100002",
        "15550100003",
        "15550100006",
        "15550100007",
        "15550100008",
        "15550100009",
    ]
    assert len({(e["type"], e["datetime"], e["contact"]["msisdn"]) for e in events}) == len(events)
    assert len(stats) == 7
    # The secret key never reaches the task logs.
    assert "emulator-secret-key" not in result.output
