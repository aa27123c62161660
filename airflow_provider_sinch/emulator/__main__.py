"""``python -m airflow_provider_sinch.emulator``: serve the Sinch emulator on loopback.

On start it prints the three ``airflow connections add`` commands that point Airflow at it:
pointing only a connection's host at the emulator is not enough, since the Short Code and
10DLC connections also need its OAuth2 token URL in their extra.
"""

from __future__ import annotations

import argparse
import shlex

from airflow_provider_sinch.emulator import create_app
from airflow_provider_sinch.emulator.core import Clock, EmulatorConfig, EmulatorState


def connection_commands(url: str) -> list[str]:
    """``airflow connections add`` commands (JSON form) for the three default connections.

    The connections are those the project's own end-to-end runs use
    (:func:`airflow_provider_sinch.emulator.harness.connection_env`), so what is printed is
    what is tested.
    """
    from airflow_provider_sinch.emulator.harness import connection_env

    commands = []
    for variable, conn_json in connection_env(url).items():
        conn_id = variable.removeprefix("AIRFLOW_CONN_").lower()
        commands.append(f"airflow connections add {conn_id} --conn-json {shlex.quote(conn_json)}")
    return commands


def banner(url: str) -> str:
    lines = [
        f"Sinch emulator on {url} (Campaign API, US Short Code, 10DLC and their OAuth2 token endpoint).",
        "Point Airflow's three default connections at it (or export the same JSON as AIRFLOW_CONN_<ID>):",
        "",
        *connection_commands(url),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1", help="loopback by default; it is a test double")
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument("--speed", type=float, default=1.0, help="emulated seconds per real second")
    parser.add_argument("--sending-seconds", type=float, default=5.0, help="Campaign API: sending -> sent")
    parser.add_argument(
        "--review-step-seconds", type=float, default=5.0, help="Short Code / 10DLC review step"
    )
    args = parser.parse_args(argv)
    config = EmulatorConfig(
        campaign_sending_seconds=args.sending_seconds, review_step_seconds=args.review_step_seconds
    )
    state = EmulatorState(config, Clock(speed=args.speed))
    shown_host = "127.0.0.1" if args.host in ("0.0.0.0", "", "::") else args.host  # noqa: S104
    if ":" in shown_host:
        shown_host = f"[{shown_host}]"
    print(banner(f"http://{shown_host}:{args.port}"), flush=True)
    uvicorn.run(create_app(state), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
