"""``make demo``: run every example DAG end to end against the Sinch emulator.

Starts the emulator on a free loopback port, points the three default connections at it,
runs each example DAG with ``airflow dags test`` on an embedded-SQLite Airflow home in
``.airflow-demo/``, prints what each run did and where its files are, and stops the emulator.
Exits non-zero when a run does not end the way the demo expects.
"""

from __future__ import annotations

import re
import shutil
import sys
import time

from airflow_provider_sinch.emulator.harness import REPO_ROOT, EmulatorProcess, airflow_env, migrate, run_dag

DEMO_HOME = REPO_ROOT / ".airflow-demo"
OUTPUT_DIR = DEMO_HOME / "output"

#: (dag_id, conf, expected final state, what the run shows)
RUNS: list[tuple[str, dict[str, str] | None, str, str]] = [
    ("sinch_campaign_example", None, "success", "duplicate -> send -> wait for sent -> export log and stats"),
    (
        "sinch_short_code_example",
        None,
        "success",
        "create -> upload attachment -> submit -> wait COMPLETED -> export history",
    ),
    ("sinch_10dlc_example", None, "success", "qualify -> submit -> wait APPROVED"),
    (
        "sinch_10dlc_example",
        {"brand_id": "BREJECT"},
        "failed",
        "the same DAG with a brand the emulator rejects: fails with the feedback's reasons",
    ),
]

_INTERESTING = re.compile(
    r"airflow_provider_sinch|Sinch|Traceback|Error:|\[DAG TEST\] end task|Events:|Stats summary"
    r"|DagRun Finished"
)
_NOISE = re.compile(
    r"Skipping masking|Unit test configuration|Obtained a Sinch access token|Pushing xcom"
    r"|Success criteria met"
)
_TAIL = re.compile(r"\s+\[[\w.]+\]\s+loc=\S+.*$")


def _summarise(output: str, limit: int = 40) -> list[str]:
    lines = [line for line in output.splitlines() if _INTERESTING.search(line) and not _NOISE.search(line)]
    lines = [_TAIL.sub("", re.sub(r"^\S+Z \[\w+\s*\] ", "", line)) for line in lines]
    return lines[-limit:]


def main() -> int:
    shutil.rmtree(OUTPUT_DIR, ignore_errors=True)  # this run's files only
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    failures = 0
    # Real-time clock: the example DAG exports the events of a window ending at the task's start,
    # so emulated time must not run ahead of Airflow's.
    with EmulatorProcess(extra_args=["--sending-seconds", "5", "--review-step-seconds", "5"]) as emulator:
        print(f"Sinch emulator listening on {emulator.url}")
        env = airflow_env(DEMO_HOME, emulator.url, OUTPUT_DIR)
        if not (DEMO_HOME / "airflow.db").exists():
            print(f"Creating the Airflow metadata database in {DEMO_HOME} ...")
            migrate(env)
        for dag_id, conf, expected, story in RUNS:
            print(f"\n=== {dag_id}{' with conf ' + str(conf) if conf else ''}: {story}")
            started = time.monotonic()
            result = run_dag(dag_id, env, conf=conf)
            log_file = DEMO_HOME / "logs" / f"{dag_id}{'-' + '-'.join(conf.values()) if conf else ''}.log"
            log_file.parent.mkdir(parents=True, exist_ok=True)
            log_file.write_text(result.output)
            for line in _summarise(result.output):
                print(f"  {line}")
            state = result.state or f"exit code {result.returncode}"
            verdict = "as expected" if state == expected else f"UNEXPECTED (expected {expected})"
            print(
                f"--> {dag_id}: {state} in {time.monotonic() - started:.0f}s, {verdict}; full log: {log_file}"
            )
            failures += state != expected
    print("\nExported files:")
    for path in sorted(p for p in OUTPUT_DIR.rglob("*") if p.is_file()):
        size = path.stat().st_size
        print(f"  {path} ({size} bytes){'  <- EMPTY' if size == 0 else ''}")
        failures += size == 0
    print(
        "\nDemo finished"
        + (f" with {failures} unexpected outcome(s)." if failures else ": every run ended as expected.")
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
