"""Prometheus counters for what the bot does; served at GET /metrics."""

from __future__ import annotations

import functools

from prometheus_client import Counter, Histogram

INBOUND_EVENTS = Counter(
    "thrive_inbound_events_total",
    "Inbound events by platform, kind and outcome (handled, duplicate, refused, failed).",
    ["platform", "kind", "outcome"],
)
INBOUND_SECONDS = Histogram(
    "thrive_inbound_seconds",
    "Time to handle one inbound event in the core, by platform.",
    ["platform"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
DELIVERIES = Counter(
    "thrive_deliveries_total",
    "Outbox delivery attempts by platform and result.",
    ["platform", "result"],
)


@functools.cache  # a handful of (platform, result); labels() takes a lock at each call
def deliveries(platform: str, result: str) -> Counter:
    """DELIVERIES for one platform and result, counted by every send and decision."""
    return DELIVERIES.labels(platform, result)
