"""Benchmarks of airflow-provider-sinch (``make bench``). Figures are recorded in README.md.

1. DAG-parse cost: importing each operator / sensor module in a fresh interpreter, on top of
   ``airflow.sdk`` (which any DAG file imports anyway), and whether heavy modules came along.
2. Contacts: a 1,000,000-recipient CSV read and checked whole, then sent (one create request
   with its Content-Length, and a send in 1000 batches) to a loopback sink, with the peak
   resident memory of a fresh interpreter, against 100,000 rows.
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


# --- 2. Contacts: checked whole, then sent, in constant memory ------------------------------------
def _write_contacts(path: Path, rows: int) -> None:
    with path.open("w") as fh:
        fh.write("phone,first_name,code\n")
        for i in range(rows):
            fh.write(f"+1555{i:07d},Name{i},CODE{i % 97}\n")
        fh.write("+1 (555) 000-0001,Again,CODE1\n")  # one duplicate, written another way


def _sink_server(port_queue) -> None:
    """A loopback Campaign API that reads each body whole and keeps nothing (its own process)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Sink(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else each answer waits ~40 ms for a delayed ACK

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            assert self.headers.get("Transfer-Encoding") is None, "the provider sent a chunked body"
            while length:
                length -= len(self.rfile.read(min(length, 1 << 16)))
            if self.path == "/v1/token":
                answer = {"success": True, "access_token": "bench", "expires": "2099-01-01T00:00:00"}
            elif self.path == "/v1/campaign/create":
                answer = {"success": True, "solde": 0, "campaign": {"uuid": "bench", "url": "u"}}
            else:
                answer = {"success": True, "contacts": []}
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    port_queue.put(server.server_address[1])
    server.serve_forever()


def _contacts_probe(path: str, url: str) -> dict:
    """Run in a fresh interpreter: check the file, create a campaign with it, text everyone."""
    import resource

    from airflow_provider_sinch.contacts import check_contacts
    from airflow_provider_sinch.operators.campaign import SinchCreateCampaignOperator, SinchSendSmsOperator

    os.environ["AIRFLOW_CONN_SINCH_CAMPAIGN_DEFAULT"] = json.dumps(
        {"conn_type": "sinch_campaign", "host": url, "password": "bench"}
    )

    class TI:
        dag_id, run_id, task_id, map_index, try_number = "bench", "bench", "bench", -1, 1

        def xcom_push(self, key, value) -> None:
            pass

    def rss() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB

    baseline = rss()
    started = time.perf_counter()
    with check_contacts(path, header=True) as checked:
        count, duplicates = checked.count, checked.duplicates
    check_s = time.perf_counter() - started
    after_check = rss()
    started = time.perf_counter()
    SinchCreateCampaignOperator(
        task_id="create", template_campaign_id="t", name="bench", contacts=path, contacts_header=True
    ).execute({"ti": TI()})
    create_s = time.perf_counter() - started
    started = time.perf_counter()
    result = SinchSendSmsOperator(
        task_id="send", campaign_id="c", contacts=path, contacts_header=True
    ).execute({"ti": TI()})
    send_s = time.perf_counter() - started
    return {
        "rows": count,
        "duplicates": duplicates,
        "check_s": check_s,
        "create_s": create_s,
        "send_s": send_s,
        "batches": result["batches"],
        "baseline_mb": baseline,
        "after_check_mb": after_check,
        "peak_mb": rss(),
    }


def bench_contacts(sizes: tuple[int, ...] = (100_000, 1_000_000)) -> None:
    """Each size in a fresh interpreter, so that its peak resident memory is its own."""
    import multiprocessing

    queue = multiprocessing.Queue()
    sink = multiprocessing.Process(target=_sink_server, args=(queue,), daemon=True)
    sink.start()
    url = f"http://127.0.0.1:{queue.get(timeout=30)}"
    print("2. Contacts: read and checked whole, then a create request and a send in batches of 1000")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for rows in sizes:
                path = Path(tmp) / f"contacts-{rows}.csv"
                _write_contacts(path, rows)
                out = subprocess.run(
                    [sys.executable, __file__, "--contacts-probe", str(path), url],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                r = json.loads(out.strip().splitlines()[-1])
                size_mb = path.stat().st_size / 1e6
                print(
                    f"   {r['rows']:>9,} rows ({size_mb:.0f} MB CSV, {r['duplicates']} duplicate skipped): "
                    f"check {r['check_s']:.1f} s ({r['rows'] / r['check_s']:,.0f} rows/s), "
                    f"create {r['create_s']:.1f} s, send {r['send_s']:.1f} s in {r['batches']} batches; "
                    f"peak RSS {r['peak_mb']:.0f} MB = {r['baseline_mb']:.0f} MB after imports "
                    f"+ {r['peak_mb'] - r['baseline_mb']:.0f} MB"
                )
    finally:
        sink.terminate()
        sink.join(timeout=5)


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
    if sys.argv[1:2] == ["--contacts-probe"]:
        print(json.dumps(_contacts_probe(sys.argv[2], sys.argv[3])))
    else:
        main()
