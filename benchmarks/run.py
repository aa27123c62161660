"""Benchmarks of airflow-provider-sinch (``make bench``); figures are recorded in README.md.

Everything runs in one go against one loopback server (``benchmarks/server.py``, its own process):

1. Exports against the bare loop (``benchmarks/clients.py``, a fresh interpreter per run, both
   starting with ``import airflow.sdk``): stats, dense log, sparse log; wall time of the whole
   process and of the export alone, peak resident memory; then the provider alone at ten times
   the rows (memory must stay flat), and in CSV and Parquet.
2. Contacts read and checked whole, then sent (``benchmarks/contacts.py``), at 100,000 and
   1,000,000 rows against a loopback sink.
3. Hook overhead per request against a reused ``requests.Session`` (the fair comparison).
4. Import cost of every operator and sensor module together, on top of ``import airflow.sdk``.
5. Token requests per hour of waiting, for the Campaign sensor in each mode, on a simulated clock.

``--smoke`` runs every part on a few hundred rows, once, without looking at the figures: the test
suite runs it so that this script cannot rot. ``--json PATH`` also writes the raw figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

from contacts import bench_contacts  # benchmarks/ is this script's folder, so it is on sys.path

# Before Airflow is imported (the hook and sensor parts run in this process): no INFO line per poke.
os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
SECRET_KEY = "bench-secret-key"

OPERATOR_AND_SENSOR_MODULES = [
    f"airflow_provider_sinch.{kind}.{api}"
    for kind in ("operators", "sensors")
    for api in ("campaign", "short_code", "ten_dlc")
]
HEAVY = ("airflow.triggers.base", "httpx", "fastapi", "uvicorn", "pyarrow", "airflow_provider_sinch.emulator")


def child_env(url: str) -> dict[str, str]:
    """The clients' environment: the connection, and bytecode caching on (as in any deployment)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["AIRFLOW_CONN_SINCH_CAMPAIGN_DEFAULT"] = json.dumps(
        {"conn_type": "sinch_campaign", "host": url, "password": SECRET_KEY}
    )
    env.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    env["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"
    return env


# --- The server ------------------------------------------------------------------------------------
@contextmanager
def bench_server() -> Any:
    process = subprocess.Popen(
        [PYTHON, str(HERE / "server.py")], stdout=subprocess.PIPE, text=True, env=child_env("")
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http://"):
            raise RuntimeError("the benchmark server did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _post(url: str) -> None:
    with urlopen(Request(url, method="POST", data=b""), timeout=600):
        pass


def counts(url: str) -> dict[str, int]:
    with urlopen(f"{url}/_bench/counts", timeout=60) as answer:
        return json.loads(answer.read())


def reset_counts(url: str) -> None:
    _post(f"{url}/_bench/reset")


# --- 1. Exports ------------------------------------------------------------------------------------
@dataclass
class Run:
    rows: int
    wall: float  # the whole process: interpreter start-up, imports, export, exit
    cpu: float  # the whole process's CPU time (user + system): what a busy machine cannot inflate
    seconds: float  # the export alone, wall
    export_cpu: float  # the export alone, CPU
    rss_start_mib: float
    rss_peak_mib: float

    @property
    def rss_growth_mib(self) -> float:
        return self.rss_peak_mib - self.rss_start_mib


def run_client(url: str, impl: str, kind: str, campaign: str, destination: Path, fmt: str = "jsonl") -> Run:
    command = [PYTHON, str(HERE / "clients.py"), impl, kind, url, campaign, str(destination), fmt]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True, env=child_env(url))
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        raise RuntimeError(f"{impl} {kind} {campaign} failed:\n{stderr[-3000:]}")
    line = next(x for x in reversed(stdout.splitlines()) if x.startswith('{"rows"'))
    figures = json.loads(line)
    return Run(
        rows=figures["rows"],
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        seconds=figures["seconds"],
        export_cpu=figures["cpu"],
        rss_start_mib=figures["rss_start_kib"] / 1024,
        rss_peak_mib=figures["rss_peak_kib"] / 1024,
    )


def _median(runs: list[Run], field: str) -> float:
    return statistics.median(getattr(r, field) for r in runs)


def same_records(a: Path, b: Path) -> bool:
    """Whether two JSON-lines files hold the same records (in any order)."""

    def records(path: Path) -> list[str]:
        with path.open(encoding="utf-8") as fh:
            return sorted(json.dumps(json.loads(line), sort_keys=True) for line in fh)

    return records(a) == records(b)


@dataclass
class Comparison:
    name: str
    rows: int
    requests: dict[str, int]
    provider: dict[str, float]
    bare: dict[str, float]
    ratios: dict[str, float]
    same_output: bool


def compare(url: str, tmp: Path, name: str, kind: str, campaign: str, repeats: int) -> Comparison:
    _post(f"{url}/_bench/prepare?campaign={campaign}")
    runs: dict[str, list[Run]] = {"bare": [], "provider": []}
    requests_made: dict[str, int] = {}
    order = ["bare", "provider"]
    for repeat in range(repeats):
        for impl in order if repeat % 2 == 0 else order[::-1]:  # ABBA: drifts in load cancel out
            reset_counts(url)
            runs[impl].append(run_client(url, impl, kind, campaign, tmp / f"{impl}.jsonl"))
            requests_made[impl] = sum(n for path, n in counts(url).items() if not path.endswith("token"))
    rows = {r.rows for rs in runs.values() for r in rs}
    if len(rows) != 1:
        raise RuntimeError(f"{name}: the provider and the bare loop wrote different row counts: {rows}")
    fields = ("wall", "cpu", "seconds", "export_cpu", "rss_peak_mib", "rss_growth_mib")
    medians = {impl: {f: _median(rs, f) for f in fields} for impl, rs in runs.items()}
    ratios = {f: medians["provider"][f] / medians["bare"][f] for f in fields}
    return Comparison(
        name=name,
        rows=rows.pop(),
        requests=requests_made,
        provider=medians["provider"],
        bare=medians["bare"],
        ratios=ratios,
        same_output=same_records(tmp / "bare.jsonl", tmp / "provider.jsonl"),
    )


def print_comparison(c: Comparison) -> None:
    p, b, r = c.provider, c.bare, c.ratios
    print(
        f"   {c.name}: {c.rows:,} rows; requests: provider {c.requests['provider']}, "
        f"bare {c.requests['bare']}"
    )
    print(f"     the same records written: {c.same_output}")
    for label, field, unit in (
        ("wall, whole process", "wall", "s"),
        ("CPU, whole process", "cpu", "s"),
        ("wall, export alone", "seconds", "s"),
        ("CPU, export alone", "export_cpu", "s"),
        ("peak RSS", "rss_peak_mib", "MiB"),
        ("RSS growth in export", "rss_growth_mib", "MiB"),
    ):
        print(
            f"     {label:21s} provider {p[field]:7.2f} {unit:3s}  bare {b[field]:7.2f} {unit:3s}  "
            f"ratio {r[field]:.3f}"
        )


@dataclass
class Alone:
    name: str
    fmt: str
    rows: int
    seconds: float
    export_cpu: float
    rss_peak_mib: float
    rss_growth_mib: float


def provider_alone(url: str, tmp: Path, name: str, kind: str, campaign: str, fmt: str) -> Alone:
    _post(f"{url}/_bench/prepare?campaign={campaign}")
    run = run_client(url, "provider", kind, campaign, tmp / f"alone.{fmt}", fmt)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        if pq.ParquetFile(tmp / f"alone.{fmt}").metadata.num_rows != run.rows:
            raise RuntimeError(f"{name}: the Parquet file does not hold {run.rows} rows")
    return Alone(name, fmt, run.rows, run.seconds, run.export_cpu, run.rss_peak_mib, run.rss_growth_mib)


def bench_exports(url: str, rows: int, repeats: int, *, smoke: bool) -> dict[str, Any]:
    small, large = rows, rows * 10
    dense, sparse = 3600, 30 * 24 * 3600
    print(f"1. Exports, provider against the bare loop (median of {repeats} runs each, alternating)")
    results: dict[str, Any] = {"comparisons": [], "alone": []}
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        for label, kind, campaign in (
            ("stats export", "stats", f"stats-{small}"),
            ("log export, dense (all events in one hour)", "log", f"log-{small}-{dense}"),
            ("log export, sparse (events over 30 days)", "log", f"log-{small}-{sparse}"),
        ):
            comparison = compare(url, tmp, label, kind, campaign, repeats)
            print_comparison(comparison)
            results["comparisons"].append(asdict(comparison))
        # (label, kind, campaign, formats): the comparisons' sizes again, then ten times the rows at
        # the same density (a longer campaign, ten times the recipients), then a log ten times
        # denser (2,000,000 events in one hour: a million SMS sent and delivered in an hour).
        runs = [
            ("stats", "stats", f"stats-{small}", ("jsonl", "csv", "parquet")),
            ("stats", "stats", f"stats-{large}", ("jsonl", "csv", "parquet")),
            ("log, 1 h", "log", f"log-{small}-{dense}", ("jsonl", "csv", "parquet")),
            ("log, 10 h", "log", f"log-{large}-{dense * 10}", ("jsonl", "csv", "parquet")),
            ("log, 1 h", "log", f"log-{large}-{dense}", ("jsonl",)),
        ]
        if smoke:  # what the comparisons did not run already, once, at their size
            runs = [("stats", "stats", f"stats-{small}", ("csv", "parquet"))]
            runs.append(("log, 1 h", "log", f"log-{small}-{dense}", ("csv", "parquet")))
        print("   The provider alone: ten times the rows, and other formats (peak memory must stay flat):")
        for label, kind, campaign, formats in runs:
            for fmt in formats:
                alone = provider_alone(url, tmp, label, kind, campaign, fmt)
                results["alone"].append(asdict(alone))
                print(
                    f"     {label:9s} {fmt:8s} {alone.rows:>9,} rows  {alone.seconds:7.2f} s "
                    f"(CPU {alone.export_cpu:6.2f} s)  "
                    f"peak RSS {alone.rss_peak_mib:6.1f} MiB  growth {alone.rss_growth_mib:6.1f} MiB"
                )
    return results


# --- 3. Hook overhead ------------------------------------------------------------------------------
def bench_hook(url: str, calls: int, rounds: int) -> dict[str, float]:
    import requests

    from airflow_provider_sinch.hooks.campaign import SinchCampaignHook

    os.environ.update(
        {"AIRFLOW_CONN_SINCH_CAMPAIGN_DEFAULT": child_env(url)["AIRFLOW_CONN_SINCH_CAMPAIGN_DEFAULT"]}
    )
    campaign = "overhead-campaign"
    hook = SinchCampaignHook()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {hook.get_token()}"
    target = f"{url}/v1/campaigns/{campaign}"

    def with_hook() -> None:
        for _ in range(calls):
            hook.get_campaign(campaign)

    def bare() -> None:
        for _ in range(calls):
            session.get(target).json()["campaign"]

    with_hook()
    bare()  # warm both connections
    wall: dict[str, list[float]] = {"hook": [], "bare": []}
    cpu: dict[str, list[float]] = {"hook": [], "bare": []}
    for round_ in range(rounds):
        blocks = [("hook", with_hook), ("bare", bare)]
        for name, block in blocks if round_ % 2 == 0 else blocks[::-1]:
            started, cpu_started = time.perf_counter(), time.process_time()
            block()
            wall[name].append((time.perf_counter() - started) / calls * 1e6)
            cpu[name].append((time.process_time() - cpu_started) / calls * 1e6)
    result = {
        "hook_us": statistics.median(wall["hook"]),
        "bare_us": statistics.median(wall["bare"]),
        "hook_cpu_us": statistics.median(cpu["hook"]),
        "bare_cpu_us": statistics.median(cpu["bare"]),
    }
    result["ratio"] = result["hook_us"] / result["bare_us"]
    result["cpu_ratio"] = result["hook_cpu_us"] / result["bare_cpu_us"]
    print(f"3. Hook overhead: {calls} get_campaign calls x {rounds} rounds, median per call")
    for label, key in (("wall", ""), ("client CPU", "_cpu")):
        hook_us, bare_us = result[f"hook{key}_us"], result[f"bare{key}_us"]
        print(
            f"   {label:10s} hook {hook_us:6.0f} us   reused requests.Session {bare_us:6.0f} us   "
            f"ratio {hook_us / bare_us:.3f}   the hook's own work {hook_us - bare_us:+.0f} us"
        )
    hook.close()
    session.close()
    return result


# --- 4. Import cost --------------------------------------------------------------------------------
_IMPORT_PROBE = """
import sys, time, json
import airflow.sdk
from airflow.sdk import BaseOperator, BaseSensorOperator
before = set(sys.modules)
t, c = time.perf_counter(), time.process_time()
for name in {modules!r}:
    __import__(name)
elapsed, cpu = time.perf_counter() - t, time.process_time() - c
heavy = sorted(m for m in {heavy!r} if m in sys.modules and m not in before)
print(json.dumps({{"ms": elapsed * 1000, "cpu_ms": cpu * 1000, "heavy": heavy}}))
"""


def _import_ms(modules: list[str], env: dict[str, str]) -> tuple[float, float, list[str]]:
    """Wall and CPU milliseconds importing ``modules`` after ``airflow.sdk``, and the heavy ones pulled in."""
    code = _IMPORT_PROBE.format(modules=modules, heavy=HEAVY)
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return result["ms"], result["cpu_ms"], result["heavy"]


def bench_imports(repeats: int, *, smoke: bool) -> dict[str, Any]:
    env = child_env("")
    _import_ms(OPERATOR_AND_SENSOR_MODULES, env)  # write the bytecode caches, as an installed package has
    walls, cpus = [], []
    heavy: list[str] = []
    for _ in range(repeats):
        wall, cpu, heavy = _import_ms(OPERATOR_AND_SENSOR_MODULES, env)
        walls.append(wall)
        cpus.append(cpu)
    each = (
        {}
        if smoke
        else {  # which module costs what, when the total is over its goal
            m: statistics.median(_import_ms([m], env)[1] for _ in range(repeats))
            for m in OPERATOR_AND_SENSOR_MODULES
        }
    )
    total, total_cpu = statistics.median(walls), statistics.median(cpus)
    print(f"4. Import cost on top of airflow.sdk (median of {repeats} fresh interpreters, bytecode cached)")
    print(
        f"   all {len(OPERATOR_AND_SENSOR_MODULES)} operator and sensor modules together: "
        f"{total:.1f} ms wall, {total_cpu:.1f} ms CPU (fastest {min(walls):.1f} ms wall)"
    )
    print(f"   heavy modules pulled in: {heavy or 'none'}")
    for module, ms in each.items():
        print(f"   {module:45s} alone {ms:6.1f} ms CPU")
    return {
        "together_ms": total,
        "together_cpu_ms": total_cpu,
        "fastest_ms": min(walls),
        "heavy": heavy,
        "each_cpu_ms": each,
    }


# --- 5. Token requests per hour of waiting ---------------------------------------------------------
def bench_tokens(url: str, hours: float) -> dict[str, float]:
    """Token requests per hour for a Campaign sensor waiting on a campaign that never gets sent.

    The clock is simulated (``time_machine``); the server is real, and counts the requests.
    """
    import time_machine

    from airflow_provider_sinch import _auth
    from airflow_provider_sinch.sensors.campaign import SinchCampaignStatusSensor

    os.environ.update(
        {"AIRFLOW_CONN_SINCH_CAMPAIGN_DEFAULT": child_env(url)["AIRFLOW_CONN_SINCH_CAMPAIGN_DEFAULT"]}
    )
    interval = 60.0  # the sensor's default poke_interval
    pokes = int(hours * 3600 / interval)
    start = datetime.now(timezone.utc)
    results: dict[str, float] = {}

    def per_hour() -> float:
        return counts(url).get("/v1/token", 0) / hours

    def sensor() -> SinchCampaignStatusSensor:
        return SinchCampaignStatusSensor(task_id="wait", campaign_id="never-sent", poke_interval=interval)

    @contextmanager
    def simulated_clock() -> Any:
        """Our clock from ``start`` on, moved by ``shift``; the server's token expiries follow it."""
        moved = 0.0
        with time_machine.travel(start, tick=False) as traveller:

            def shift(seconds: float) -> None:
                nonlocal moved
                traveller.shift(seconds)
                _post(f"{url}/_bench/shift?seconds={seconds}")
                moved += seconds

            try:
                yield shift
            finally:
                _post(f"{url}/_bench/shift?seconds={-moved}")

    # poke mode: one task process, one hook, for the whole wait
    _auth.clear_token_cache()
    reset_counts(url)
    with simulated_clock() as shift:
        poking = sensor()
        for _ in range(pokes):
            poking.poke({})  # type: ignore[arg-type]
            shift(interval)
    results["poke"] = per_hour()

    # reschedule mode: each poke is a new task process (new hook, empty token cache)
    reset_counts(url)
    with simulated_clock() as shift:
        for _ in range(pokes):
            _auth.clear_token_cache()
            sensor().poke({})  # type: ignore[arg-type]
            shift(interval)
    results["reschedule"] = per_hour()

    # deferrable: the trigger polls in the triggerer's one process until its deadline
    _auth.clear_token_cache()
    reset_counts(url)
    with simulated_clock() as shift:
        trigger = sensor().build_trigger(end_time=time.time() + hours * 3600)
        real_sleep = asyncio.sleep

        async def simulated_sleep(seconds: float, *args: Any) -> Any:
            if seconds > 0:
                shift(seconds)
            return await real_sleep(0)

        async def run_trigger() -> list[Any]:
            return [event async for event in trigger.run()]

        from airflow_provider_sinch.triggers import base as trigger_base

        trigger_base.asyncio.sleep = simulated_sleep  # type: ignore[assignment]
        try:
            events = asyncio.run(run_trigger())
        finally:
            trigger_base.asyncio.sleep = real_sleep
        if not events or not events[-1].payload.get("timeout"):
            raise RuntimeError(f"the trigger ended early: {events}")
    results["deferrable"] = per_hour()
    results["bare, a token per poke"] = 3600 / interval
    print(
        f"5. Token requests per hour of waiting (Campaign sensor, poke every {interval:.0f} s, "
        f"{hours:g} h simulated)"
    )
    for mode, value in results.items():
        print(f"   {mode:24s} {value:6.2f} per hour")
    _auth.clear_token_cache()
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--smoke", action="store_true", help="a few hundred rows, once: checks the script runs"
    )
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    args = parser.parse_args(argv)
    if args.smoke:
        rows, repeats, calls, rounds, import_repeats, hours = 300, 1, 20, 2, 1, 1.0
    else:
        rows, repeats, calls, rounds, import_repeats, hours = 200_000, 5, 300, 10, 7, 24.0
    results: dict[str, Any] = {"smoke": args.smoke, "python": sys.version.split()[0]}
    with bench_server() as url:
        results["exports"] = bench_exports(url, rows, repeats, smoke=args.smoke)
        results["contacts"] = bench_contacts((300,) if args.smoke else (100_000, 1_000_000))
        results["hook"] = bench_hook(url, calls, rounds)
        results["imports"] = bench_imports(import_repeats, smoke=args.smoke)
        results["tokens"] = bench_tokens(url, hours)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
