"""One export, in a fresh interpreter: the provider's operator, or the bare loop it is compared with.

``python benchmarks/clients.py IMPL KIND URL CAMPAIGN DESTINATION [FORMAT]``

* ``IMPL``: ``provider`` (the export operator, executed as a task would) or ``bare`` (the loop a
  data engineer writes without the provider: one ``requests.Session``, one hour per log request,
  pages of 1000 recipients for stats, ``json.dumps`` per row);
* ``KIND``: ``log`` or ``stats``.

Both start the same way (``import airflow.sdk``, as any task does) and print one JSON line:
rows written, wall and CPU seconds spent exporting (start-up excluded), resident memory before
the export and at its peak, in KiB.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timedelta, timezone

import airflow.sdk  # noqa: F401  (every task pays this start-up; both sides do)

# The server's synthetic log campaigns start at this instant (see benchmarks/server.py).
BASE = datetime(2026, 1, 1, tzinfo=timezone.utc)
API_DATETIME = "%Y-%m-%d %H:%M:%S"
SECRET_KEY = "bench-secret-key"


def _status_kib(field: str) -> int:
    """``VmRSS`` (resident now) or ``VmHWM`` (its peak) of this process, in KiB.

    Not ``getrusage``'s ``ru_maxrss``: on Linux it keeps the parent's size at ``fork`` across
    ``exec``, so a child of a big benchmark process would report the parent's memory.
    """
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(field + ":"))


def _log_span(campaign: str) -> tuple[datetime, datetime]:
    seconds = int(campaign.split("-")[2])
    return BASE, BASE + timedelta(seconds=seconds)


def bare_log(url: str, campaign: str, destination: str) -> int:
    import requests

    session = requests.Session()
    answer = session.post(f"{url}/v1/token", headers={"Authorization": f"Basic {SECRET_KEY}"})
    session.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    start, stop = _log_span(campaign)
    rows = 0
    with open(destination, "w", encoding="utf-8") as out:
        moment = start
        while moment < stop:
            end = min(moment + timedelta(hours=1), stop)
            params = {
                "campaign_uuid": campaign,
                "start": moment.strftime(API_DATETIME),
                "stop": (end - timedelta(seconds=1)).strftime(API_DATETIME),
            }
            response = session.get(f"{url}/v1/campaign/log", params=params)
            response.raise_for_status()
            for row in response.json()["log"]:
                out.write(json.dumps(row) + "\n")
                rows += 1
            moment = end
    return rows


def bare_stats(url: str, campaign: str, destination: str) -> int:
    import requests

    session = requests.Session()
    answer = session.post(f"{url}/v1/token", headers={"Authorization": f"Basic {SECRET_KEY}"})
    session.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    rows = index = 0
    with open(destination, "w", encoding="utf-8") as out:
        while True:
            params = {"campaign_uuid": campaign, "start": index, "stop": index + 1000}
            response = session.get(f"{url}/v1/campaign/stats", params=params)
            response.raise_for_status()
            contacts = response.json()["contacts"]
            for row in contacts:
                out.write(json.dumps(row) + "\n")
            rows += len(contacts)
            if len(contacts) < 1000:
                return rows
            index += 1000


def provider_log(campaign: str, destination: str, file_format: str) -> int:
    from airflow_provider_sinch.operators.campaign import SinchExportCampaignLogOperator

    start, stop = _log_span(campaign)
    operator = SinchExportCampaignLogOperator(
        task_id="export_log",
        campaign_id=campaign,
        destination=destination,
        start=start,
        stop=stop,
        file_format=file_format,
    )
    return int(operator.execute(context={})["count"])  # type: ignore[arg-type]


def provider_stats(campaign: str, destination: str, file_format: str) -> int:
    from airflow_provider_sinch.operators.campaign import SinchExportCampaignStatsOperator

    operator = SinchExportCampaignStatsOperator(
        task_id="export_stats", campaign_id=campaign, destination=destination, file_format=file_format
    )
    return int(operator.execute(context={})["count"])  # type: ignore[arg-type]


def main(argv: list[str]) -> None:
    impl, kind, url, campaign, destination = argv[:5]
    file_format = argv[5] if len(argv) > 5 else "jsonl"
    rss_start = _status_kib("VmRSS")
    started, cpu_started = time.perf_counter(), time.process_time()
    if impl == "bare":
        rows = (
            bare_log(url, campaign, destination) if kind == "log" else bare_stats(url, campaign, destination)
        )
    elif kind == "log":
        rows = provider_log(campaign, destination, file_format)
    else:
        rows = provider_stats(campaign, destination, file_format)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak = _status_kib("VmHWM")
    figures = {"rows": rows, "seconds": seconds, "cpu": cpu, "rss_start_kib": rss_start, "rss_peak_kib": peak}
    print(json.dumps(figures))


if __name__ == "__main__":
    main(sys.argv[1:])
