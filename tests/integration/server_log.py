"""The server's log as an operator's collector would see it: every line, at INFO, in JSON.

    with server_log() as log:
        ...run a server, send it things...
    assert log.failures() == []
    assert "words" not in log.text()

Logging is configured as `thrive serve` configures it (thrive/log_setup.py), so structlog
and library loggers (aiohttp's "Error handling request", SQLAlchemy) are both caught,
exceptions with their tracebacks. Put back as it was afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import structlog

from thrive.log_setup import configure_logging


@dataclass
class ServerLog(logging.Handler):
    lines: list[str] = field(default_factory=list)
    records: list[logging.LogRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        logging.Handler.__init__(self, logging.INFO)

    def __hash__(self) -> int:  # logging keeps handlers in sets
        return id(self)

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))

    def text(self) -> str:
        return "\n".join(self.lines)

    def failures(self) -> list[str]:
        """Lines an operator would read as a crash: an error, or any traceback."""
        return [
            line
            for record, line in zip(self.records, self.lines, strict=True)
            if record.levelno >= logging.ERROR
            or record.exc_info
            or "Traceback (most recent call last)" in line
        ]

    def mark(self) -> int:
        return len(self.lines)

    def since(self, mark: int) -> list[str]:
        return self.lines[mark:]


@contextmanager
def server_log(level: str = "info") -> Iterator[ServerLog]:
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    configure_logging(level, "json")
    captured = ServerLog()
    captured.setLevel(logging.NOTSET)
    captured.setFormatter(root.handlers[0].formatter)
    root.addHandler(captured)
    try:
        yield captured
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        structlog.reset_defaults()
