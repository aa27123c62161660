"""``benchmarks/run.py --smoke``: every benchmark runs on a few hundred rows, so the script cannot rot.

No figure of time or memory is checked here (that is what ``make bench`` is for); only what the
runs must get right whatever the machine: the same records written by the provider and by the
bare loop, the number of requests and of token requests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmarks_run_in_smoke_mode(tmp_path: Path) -> None:
    figures_path = tmp_path / "figures.json"

    completed = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--smoke", "--json", str(figures_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )

    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-4000:]
    figures = json.loads(figures_path.read_text())
    assert figures["smoke"] is True
    comparisons = {c["name"].split(",")[0].split(" (")[0]: c for c in figures["exports"]["comparisons"]}
    assert len(figures["exports"]["comparisons"]) == 3
    for comparison in figures["exports"]["comparisons"]:
        assert comparison["rows"] == 300
        assert comparison["same_output"] is True
    sparse = figures["exports"]["comparisons"][2]
    assert sparse["requests"]["bare"] == 30 * 24  # one request an hour for 30 days
    assert sparse["requests"]["provider"] < 40  # windows grow to a day
    assert comparisons["stats export"]["requests"] == {"bare": 1, "provider": 1}
    assert {(a["name"], a["fmt"], a["rows"]) for a in figures["exports"]["alone"]} == {
        ("stats", "csv", 300),
        ("stats", "parquet", 300),
        ("log, 1 h", "csv", 300),
        ("log, 1 h", "parquet", 300),
    }
    assert figures["imports"]["heavy"] == []
    assert figures["tokens"]["poke"] == 1.0
    assert figures["tokens"]["deferrable"] == 1.0
    assert figures["tokens"]["reschedule"] == 60.0
    assert "1. Exports" in completed.stdout
    assert [(c["rows"], c["duplicates"]) for c in figures["contacts"]] == [(300, 1)]
    assert "5. Token requests per hour" in completed.stdout
