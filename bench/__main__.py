"""`python -m bench` (or `make bench`): runs every benchmark and prints its figures."""

from __future__ import annotations

import asyncio

from bench import analysis, chat_latency, fanout, redaction, slack_ack, teams_turn
from thrive.log_setup import configure_logging


def main() -> None:
    configure_logging("warning")
    asyncio.run(chat_latency.run())
    asyncio.run(slack_ack.run())
    asyncio.run(teams_turn.run())
    asyncio.run(fanout.run())
    redaction.run()
    analysis.run()
    analysis.run_reports()


if __name__ == "__main__":
    main()
