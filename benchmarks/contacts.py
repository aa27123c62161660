"""Contacts read and checked whole, then sent, in constant memory (section 2 of ``run.py``).

A CSV of ``rows`` recipients (and one duplicate written another way) handed to the operators as a
path, each size in a fresh interpreter (``python benchmarks/contacts.py --contacts-probe PATH URL``)
against a loopback sink in another process, which reads every body whole and keeps nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


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
        # VmHWM, not getrusage's ru_maxrss: on Linux the latter keeps the parent's size at fork
        # across exec, so a child of a big benchmark process would report the parent's memory.
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024

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


def bench_contacts(sizes: tuple[int, ...] = (100_000, 1_000_000)) -> list[dict]:
    """Each size in a fresh interpreter, so that its peak resident memory is its own."""
    import multiprocessing

    queue = multiprocessing.Queue()
    sink = multiprocessing.Process(target=_sink_server, args=(queue,), daemon=True)
    sink.start()
    url = f"http://127.0.0.1:{queue.get(timeout=30)}"
    print("2. Contacts: read and checked whole, then a create request and a send in batches of 1000")
    results = []
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
                results.append(r)
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
    return results


if __name__ == "__main__":
    if sys.argv[1:2] == ["--contacts-probe"]:
        print(json.dumps(_contacts_probe(sys.argv[2], sys.argv[3])))
    else:
        bench_contacts()
