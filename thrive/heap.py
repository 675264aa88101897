"""The serving process's garbage collector, set once it has started.

A started server holds a large, long-lived heap (modules, SQLAlchemy's tables and
compiled statements, the content, the adapters): a few hundred thousand objects that
CPython's cyclic collector would otherwise walk again at every full collection, and its
youngest generation is collected every 700 allocations. Under a fan-out that was 40 to
70 µs of collection per prompt sent (`python -m bench.fanout`). Freezing what startup
made (the standard `gc.freeze` for long-running processes) and collecting the young
less often leaves only what requests and sends make to collect.
"""

from __future__ import annotations

import gc

# Allocations between young collections (CPython's default is 700), then how many
# collections of one generation before the next is collected too (default 10, 10).
YOUNG_THRESHOLD = 10_000
OLDER_THRESHOLD = 20


def settle_heap() -> None:
    """Call once startup is done: what is alive now lives as long as the process."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, OLDER_THRESHOLD, OLDER_THRESHOLD)
