"""Structured logs with structlog: JSON when not on a terminal, readable when on one.

Library logs (aiohttp, SQLAlchemy, alembic) go through the same renderer, so a
log collector sees one JSON object per line whoever wrote it.
"""

from __future__ import annotations

import logging
import sys

import structlog

_SHARED: list[structlog.typing.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.processors.StackInfoRenderer(),
]


QUIET_LIBRARIES = (
    "aiosqlite",
    "slack_sdk",
    # slack_sdk's clients test their own logger's level, not the level they inherit,
    # before building a debug line of the whole request and response on every call:
    # set there, that work (a good part of a post's CPU) is skipped.
    "slack_sdk.web.async_base_client",
    "slack_sdk.web.base_client",
    "slack_bolt",
    "msrest",
    "botbuilder",
    "msal",
    "urllib3",
)


def configure_logging(level: str = "info", log_format: str = "auto") -> None:
    as_json = log_format == "json" or (log_format == "auto" and not sys.stderr.isatty())
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer()
    )
    numeric = getattr(logging, level.upper(), logging.INFO)
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info if as_json else _keep,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric)
    # Per-request access lines are noise here; errors still come through aiohttp.server.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # These libraries write what they send and store at DEBUG: SQL parameters (aiosqlite),
    # request bodies to Slack and the Bot Connector (slack_sdk, msrest). People's words
    # and platform ids must not reach a log, even when an operator turns on DEBUG.
    for chatty in QUIET_LIBRARIES:
        logging.getLogger(chatty).setLevel(max(numeric, logging.INFO))


def _keep(
    _logger: object, _name: str, event_dict: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    return event_dict  # the console renderer prints exceptions itself
