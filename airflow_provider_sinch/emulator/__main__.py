"""``python -m airflow_provider_sinch.emulator``: serve the Sinch emulator on loopback."""

from __future__ import annotations

import argparse

from airflow_provider_sinch.emulator import create_app
from airflow_provider_sinch.emulator.core import Clock, EmulatorConfig, EmulatorState


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
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
    uvicorn.run(create_app(state), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
