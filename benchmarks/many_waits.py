"""A thousand waits on one account: the provider's triggers in one asyncio loop, like a triggerer.

``python benchmarks/many_waits.py`` (about 6 minutes) starts the emulator in its own process,
then, for each mode, submits N 10DLC registrations (its own project) and runs N
``Sinch10DLCCampaignStatusTrigger`` in a fresh interpreter (so that memory is the triggers' own)
until each has its event. The emulator approves every registration ``3 * --step`` seconds after
it was submitted. Modes:

* ``off``: ``share_polls=False``, what the provider did before: a client and a GET per wait;
* ``shared``: the default, one client and one paged list per poll interval for all;
* ``two-accounts``: the default, half of the waits on a second account (other credentials,
  other project): each account has its own poll.

Reported per mode: the peak resident memory above the idle interpreter (all modules imported,
event loop running) per waiting trigger; the requests per poll interval while everything waits;
the requests from the first change to the last event; the access tokens fetched; and for each
wait the delay from its status change (the registration's ``modifiedDate``) to its event.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SECOND_KEY_ID, SECOND_KEY_SECRET = "bench-key-b", "bench-secret-b"
PROJECTS = {"off": ["bench-off"], "shared": ["bench-shared"], "two-accounts": ["bench-a", "bench-b"]}
MODES = tuple(PROJECTS)

REGISTRATION = {
    "brandId": "BESINCH",
    "useCase": "MIXED",
    "subUseCases": ["2FA", "ACCOUNT_NOTIFICATION"],
    "campaignName": "Bench alerts",
    "description": "Acme Outdoor sends one-time passcodes and account notices to customers who opted in.",
    "sample1": "Acme Outdoor: your sign-in code is 482913. Reply STOP to stop.",
    "sample2": "Acme Outdoor: your order 10442 ships tomorrow. Reply STOP to stop.",
    "sample3": "Acme Outdoor: your password was changed. Reply STOP to stop.",
    "stopMessage": "Acme Outdoor: you are unsubscribed. Help: 555-0100.",
    "optInMessage": "Acme Outdoor: you are subscribed to alerts. Reply HELP for help, STOP to stop.",
    "helpMessage": "Acme Outdoor: for help call 555-0100. Reply STOP to stop.",
    "optinKeywords": "JOIN,START",
    "optoutKeywords": "STOP,QUIT",
    "helpKeywords": "HELP,INFO",
    "messageFlow": "Customers tick an unchecked box at checkout on acme.example; it states STOP and HELP.",
    "embeddedLink": False,
    "embeddedPhone": True,
}


# --- The emulator, with a second account --------------------------------------------------------
def serve(port: int, step: float) -> None:
    import uvicorn

    from airflow_provider_sinch.emulator import create_app
    from airflow_provider_sinch.emulator.core import (
        DEFAULT_KEY_ID,
        DEFAULT_KEY_SECRET,
        Clock,
        EmulatorConfig,
        EmulatorState,
    )

    config = EmulatorConfig(
        review_step_seconds=step,
        oauth_clients={DEFAULT_KEY_ID: DEFAULT_KEY_SECRET, SECOND_KEY_ID: SECOND_KEY_SECRET},
        project_ids={p for projects in PROJECTS.values() for p in projects},
    )
    uvicorn.run(create_app(EmulatorState(config, Clock())), host="127.0.0.1", port=port, log_level="warning")


def connections(url: str) -> dict[str, str]:
    """``AIRFLOW_CONN_*`` for the two accounts (emulator credentials, its OAuth2 token URL)."""
    from airflow_provider_sinch.emulator.core import DEFAULT_KEY_ID, DEFAULT_KEY_SECRET

    env = {}
    for name, (login, secret) in {
        "bench_a": (DEFAULT_KEY_ID, DEFAULT_KEY_SECRET),
        "bench_b": (SECOND_KEY_ID, SECOND_KEY_SECRET),
    }.items():
        env[f"AIRFLOW_CONN_{name.upper()}"] = json.dumps(
            {
                "conn_type": "sinch_10dlc",
                "host": url,
                "login": login,
                "password": secret,
                "extra": {"token_url": f"{url}/oauth2/token", "max_retries": 2},
            }
        )
    return env


def emulator_requests(url: str) -> list[str]:
    with urllib.request.urlopen(f"{url}/_emulator/requests", timeout=30) as answer:
        return list(json.loads(answer.read())["requests"])


# --- One mode, in a fresh interpreter --------------------------------------------------------------
def rss() -> int:
    import psutil

    return int(psutil.Process().memory_info().rss)


def run_mode(
    mode: str, url: str, waits: list[dict[str, str]], interval: float, approve_at: float
) -> dict[str, Any]:
    import asyncio
    import gc

    from airflow_provider_sinch._time import parse_timestamp
    from airflow_provider_sinch.triggers import _shared_poll
    from airflow_provider_sinch.triggers.ten_dlc import Sinch10DLCCampaignStatusTrigger

    def rounds() -> int:
        """Rounds of the busiest shared poll so far (each account polls once per interval)."""
        return max((group.stats.rounds for group in _shared_poll.groups().values()), default=0)

    async def main() -> dict[str, Any]:
        # Warm up what every trigger uses once (imports, the structlog logger) before measuring.
        gc.collect()
        idle = rss()
        peak = idle
        done = asyncio.Event()

        async def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, rss())
                await asyncio.sleep(0.2)

        events: list[tuple[float, dict[str, Any]]] = []

        async def wait(spec: dict[str, str]) -> None:
            trigger = Sinch10DLCCampaignStatusTrigger(
                campaign_registration_id=spec["id"],
                project_id=spec["project"],
                sinch_conn_id=spec["conn"],
                poll_interval=interval,
                share_polls=mode != "off",
            )
            async for event in trigger.run():
                events.append((time.time(), event.payload))

        sampler = asyncio.ensure_future(sample())
        log_start = len(emulator_requests(url))
        started = time.time()
        tasks = [asyncio.ensure_future(wait(spec)) for spec in waits]
        # Steady state: from one interval after the start until the first approval. With sharing,
        # the shared polls count their rounds (one per interval); without, intervals are counted
        # by the clock (each trigger sleeps an interval after each of its polls).
        await asyncio.sleep(interval)
        window = (time.time(), len(emulator_requests(url)), rounds())
        await asyncio.sleep(max(0.0, approve_at - time.time() - 1.0))
        window_end = (time.time(), len(emulator_requests(url)), rounds())
        await asyncio.gather(*tasks)
        done.set()
        await sampler
        log = emulator_requests(url)
        ended = time.time()
        delays = []
        for at, payload in events:
            changed = parse_timestamp((payload.get("xcom") or {}).get("modifiedDate"))
            delays.append(at - changed.timestamp() if changed else float("nan"))
        last_change = max(
            parse_timestamp((p.get("xcom") or {}).get("modifiedDate")).timestamp()  # type: ignore[union-attr]
            for _, p in events
        )
        steady = log[window[1] : window_end[1]]
        change = log[window_end[1] :]
        steady_intervals = (window_end[0] - window[0]) / interval
        if mode != "off":
            steady_intervals = window_end[2] - window[2]
        if steady_intervals < 1:
            raise RuntimeError("the waits started too late to measure a steady interval: raise --step")
        return {
            "mode": mode,
            "waits": len(waits),
            "accounts": len({w["conn"] for w in waits}),
            "statuses": sorted({p["status"] for _, p in events}),
            "idle_rss_mb": idle / 2**20,
            "peak_rss_mb": peak / 2**20,
            "kb_per_wait": (peak - idle) / 1024 / len(waits),
            "after_rss_mb": rss() / 2**20,
            "requests_per_interval": len(steady) / steady_intervals,
            "lists_per_interval": sum(r.endswith("campaignRegistrations") for r in steady) / steady_intervals,
            "gets_per_interval": sum("campaignRegistrations/" in r for r in steady) / steady_intervals,
            "requests_at_change": len(change),
            "tokens": sum(r == "POST /oauth2/token" for r in log[log_start:]),
            "delay_max_s": max(delays),
            "delay_median_s": statistics.median(delays),
            "last_change_to_last_event_s": max(at for at, _ in events) - last_change,
            "duration_s": ended - started,
        }

    return asyncio.run(main())


# --- The driver ------------------------------------------------------------------------------------
def submit(url: str, count: int, projects: list[str]) -> list[dict[str, str]]:
    """``count`` registrations spread over ``projects`` (account a, then b): their wait specs."""
    os.environ.update(connections(url))
    from airflow_provider_sinch.hooks.ten_dlc import Sinch10DLCHook

    hooks = {"bench_a": Sinch10DLCHook("bench_a"), "bench_b": Sinch10DLCHook("bench_b")}
    specs = []
    for index in range(count):
        conn = "bench_a" if index < count // len(projects) or len(projects) == 1 else "bench_b"
        project = projects[0] if conn == "bench_a" else projects[1]
        rid = hooks[conn].submit_campaign(REGISTRATION, project_id=project)["campaignRegistrationId"]
        specs.append({"id": rid, "project": project, "conn": conn})
    return specs


def table(results: list[dict[str, Any]], interval: float) -> str:
    rows = [
        ("waits (accounts)", lambda r: f"{r['waits']} ({r['accounts']})"),
        ("peak RSS above idle, per waiting trigger", lambda r: f"{r['kb_per_wait']:.0f} KB"),
        (
            "idle / peak / after RSS",
            lambda r: f"{r['idle_rss_mb']:.0f} / {r['peak_rss_mb']:.0f} / {r['after_rss_mb']:.0f} MB",
        ),
        (
            f"requests per {interval:g} s poll interval, waiting",
            lambda r: f"{r['requests_per_interval']:.1f}",
        ),
        (
            "  of which lists / single GETs",
            lambda r: f"{r['lists_per_interval']:.1f} / {r['gets_per_interval']:.1f}",
        ),
        ("requests from the first change to the last event", lambda r: f"{r['requests_at_change']}"),
        ("access tokens fetched", lambda r: f"{r['tokens']}"),
        (
            "status change -> event: median / max",
            lambda r: f"{r['delay_median_s']:.1f} / {r['delay_max_s']:.1f} s",
        ),
        ("last change -> last event", lambda r: f"{r['last_change_to_last_event_s']:.1f} s"),
        ("events", lambda r: ", ".join(r["statuses"])),
    ]
    head = (
        "| | "
        + " | ".join(
            {"off": "sharing off (before)", "shared": "shared", "two-accounts": "shared, 2 accounts"}[
                r["mode"]
            ]
            for r in results
        )
        + " |"
    )
    lines = [head, "|---" * (len(results) + 1) + "|"]
    lines += ["| " + name + " | " + " | ".join(fmt(r) for r in results) + " |" for name, fmt in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--waits", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=10.0, help="poll interval of every trigger (s)")
    parser.add_argument(
        "--step", type=float, default=20.0, help="emulator review step (s); approval at 3 steps"
    )
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--run", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.serve:
        serve(args.serve, args.step)
        return
    if args.run:
        spec = json.loads(Path(args.run).read_text())
        os.environ.update(connections(spec["url"]))
        result = run_mode(spec["mode"], spec["url"], spec["waits"], spec["interval"], spec["approve_at"])
        Path(spec["result"]).write_text(json.dumps(result))
        return

    from airflow_provider_sinch.emulator.harness import free_port

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), "--step", str(args.step)])
    results = []
    try:
        for _ in range(100):
            try:
                emulator_requests(url)
                break
            except OSError:
                time.sleep(0.2)
        for mode in args.modes.split(","):
            first = time.time()
            waits = submit(url, args.waits, PROJECTS[mode])
            print(
                f"{mode}: submitted {len(waits)} registrations in {time.time() - first:.1f} s",
                file=sys.stderr,
            )
            with tempfile.TemporaryDirectory() as scratch:
                spec_file, result_file = Path(scratch, "spec.json"), Path(scratch, "result.json")
                spec = {"mode": mode, "url": url, "waits": waits, "interval": args.interval}
                spec.update(approve_at=first + 3 * args.step, result=str(result_file))
                spec_file.write_text(json.dumps(spec))
                # The triggers log each poll at INFO: keep the child's output (and time) to warnings.
                env = {**os.environ, "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING"}
                child = subprocess.run(
                    [sys.executable, __file__, "--run", str(spec_file)],
                    capture_output=True,
                    text=True,
                    check=False,
                    cwd=ROOT,
                    env=env,
                )
                if child.returncode != 0 or not result_file.exists():
                    raise RuntimeError(f"mode {mode} failed:\n{child.stdout[-2000:]}\n{child.stderr[-3000:]}")
                result = json.loads(result_file.read_text())
            print(json.dumps(result), file=sys.stderr)
            results.append(result)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(table(results, args.interval))


if __name__ == "__main__":
    main()
