"""Benchmarks of airflow-provider-sinch (``make bench``). Figures are recorded in README.md.

1. DAG-parse cost: importing each operator / sensor module in a fresh interpreter, on top of
   ``airflow.sdk`` (which any DAG file imports anyway), and whether heavy modules came along.
2. Contacts streaming: a 1,000,000-recipient CSV turned into a create request body, with the
   peak Python memory it needed.
3. Hook throughput against the emulator on loopback: sequential ``get_campaign`` calls with the
   hook's one reused session, and the same with a new session per call (what we avoid).
4. Log export: a campaign of 5,000 recipients exported window by window.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

MODULES = [
    f"airflow_provider_sinch.{kind}.{api}"
    for kind in ("operators", "sensors")
    for api in ("campaign", "short_code", "ten_dlc")
]
HEAVY = ("airflow.triggers.base", "httpx", "fastapi", "uvicorn", "airflow_provider_sinch.emulator")

_PROBE = """
import sys, time, json
import airflow.sdk
from airflow.sdk import BaseOperator, BaseSensorOperator
before = set(sys.modules)
t = time.perf_counter()
__import__({module!r})
elapsed = time.perf_counter() - t
heavy = sorted(m for m in {heavy!r} if m in sys.modules and m not in before)
print(json.dumps({{"ms": elapsed * 1000, "heavy": heavy}}))
"""


def bench_imports(repeats: int = 5) -> None:
    print(f"1. Import cost on top of airflow.sdk (median of {repeats} fresh interpreters)")
    for module in MODULES:
        runs = []
        heavy: list[str] = []
        for _ in range(repeats):
            out = subprocess.run(
                [sys.executable, "-c", _PROBE.format(module=module, heavy=HEAVY)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            result = json.loads(out.strip().splitlines()[-1])
            runs.append(result["ms"])
            heavy = result["heavy"]
        print(
            f"   {module:48s} {statistics.median(runs):7.1f} ms   heavy modules pulled in: {heavy or 'none'}"
        )


def _write_contacts(path: Path, rows: int) -> None:
    with path.open("w") as fh:
        fh.write("phone,first_name,code\n")
        for i in range(rows):
            fh.write(f"+1555{i:07d},Name{i},CODE{i % 97}\n")


def _stream(path: Path) -> int:
    from airflow_provider_sinch._files import Contacts, json_array_chunks

    return sum(len(chunk) for chunk in json_array_chunks(Contacts(str(path), header=True)))


def bench_contacts(rows: int = 1_000_000) -> None:
    """Time with no tracer (tracemalloc slows allocation tenfold); peak memory in separate passes."""
    import airflow_provider_sinch._files  # noqa: F401  (imports Airflow: not part of the figure)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "contacts.csv"
        _write_contacts(path, rows)
        size_mb = path.stat().st_size / 1e6
        started = time.perf_counter()
        total = _stream(path)
        elapsed = time.perf_counter() - started
        print(
            f"2. Contacts streaming: {rows:,} rows ({size_mb:.0f} MB CSV) -> {total / 1e6:.0f} MB JSON body"
        )
        print(f"   {elapsed:.1f} s ({rows / elapsed:,.0f} rows/s)")
        for sample in (10_000, 100_000):
            small = Path(tmp) / f"contacts-{sample}.csv"
            _write_contacts(small, sample)
            tracemalloc.start()
            _stream(small)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"   peak Python memory streaming {sample:,} rows: {peak / 1e6:.2f} MB")


def _start_emulator():
    import uvicorn

    from airflow_provider_sinch.emulator import create_app
    from airflow_provider_sinch.emulator.core import EmulatorConfig, EmulatorState
    from airflow_provider_sinch.emulator.harness import free_port

    state = EmulatorState(EmulatorConfig(campaign_sending_seconds=1))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(state), host="127.0.0.1", port=port, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, state, f"http://127.0.0.1:{port}"


def bench_hook(url: str, calls: int = 300) -> None:
    import requests

    from airflow_provider_sinch.emulator.campaign import TEMPLATE_CAMPAIGN_ID
    from airflow_provider_sinch.hooks.campaign import SinchCampaignHook

    hook = SinchCampaignHook()
    hook.get_campaign(TEMPLATE_CAMPAIGN_ID)  # token + connection warm-up
    latencies = []
    started = time.perf_counter()
    for _ in range(calls):
        t = time.perf_counter()
        hook.get_campaign(TEMPLATE_CAMPAIGN_ID)
        latencies.append(time.perf_counter() - t)
    reused = time.perf_counter() - started
    token = hook.get_token()
    started = time.perf_counter()
    for _ in range(calls):
        with requests.Session() as session:
            session.get(
                f"{url}/v1/campaigns/{TEMPLATE_CAMPAIGN_ID}", headers={"Authorization": f"Bearer {token}"}
            )
    fresh = time.perf_counter() - started
    p50 = statistics.median(latencies) * 1000
    p95 = statistics.quantiles(latencies, n=20)[18] * 1000
    print(f"3. Hook throughput, {calls} sequential get_campaign calls against the emulator on loopback")
    print(f"   one reused session: {calls / reused:,.0f} calls/s, p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    print(f"   new session per call: {calls / fresh:,.0f} calls/s")


def bench_log_export(state, recipients: int = 5000) -> None:
    from datetime import datetime, timedelta, timezone

    from airflow_provider_sinch.emulator.campaign import TEMPLATE_CAMPAIGN_ID
    from airflow_provider_sinch.hooks.campaign import SinchCampaignHook

    hook = SinchCampaignHook()
    start = datetime.now(timezone.utc) - timedelta(hours=1)
    created = hook.create_campaign(
        TEMPLATE_CAMPAIGN_ID,
        "bench",
        [[f"+1555{i:07d}", f"N{i}"] for i in range(recipients)],
        send_date=datetime.now(timezone.utc),
    )
    state.clock.advance(60)
    stop = state.clock.now() + timedelta(minutes=5)
    started = time.perf_counter()
    count = sum(
        1
        for _ in hook.iter_campaign_log(
            created["campaign"]["uuid"], start, stop, window=timedelta(minutes=10)
        )
    )
    elapsed = time.perf_counter() - started
    rate = count / elapsed
    print(
        f"4. Log export: {count:,} events, {recipients:,} recipients: {elapsed:.2f} s ({rate:,.0f} events/s)"
    )


def main() -> None:
    bench_imports()
    bench_contacts()
    server, state, url = _start_emulator()
    from airflow_provider_sinch.emulator.core import DEFAULT_CAMPAIGN_SECRET_KEY

    os.environ["AIRFLOW_CONN_SINCH_CAMPAIGN_DEFAULT"] = json.dumps(
        {"conn_type": "sinch_campaign", "host": url, "password": DEFAULT_CAMPAIGN_SECRET_KEY}
    )
    try:
        bench_hook(url)
        bench_log_export(state)
    finally:
        server.should_exit = True


if __name__ == "__main__":
    main()
