"""The per-message counter both benchmark drivers update (standard library only).

``drive_official.py`` runs on the official SDK's Python 3.13 and imports this
module by its script directory; ``drive_ours.py`` imports it from the package.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


class Counter:
    """What the consumer updates per message (cheap: a few attribute writes).

    *emit* writes one JSON result line; *rss_kb* returns (current, peak) RSS in KiB.
    """

    def __init__(self, emit: Callable[..., None], rss_kb: Callable[[], tuple[int, int]]) -> None:
        self._emit: Callable[..., Any] = emit
        self._rss_kb = rss_kb
        self.target = 0
        self.seen = 0
        self.marks: list[int] = []
        self.t_first = 0.0
        self.cpu0 = 0.0
        self.chars = 0

    def arm(self, n: int, marks: list[int]) -> None:
        self.target = n
        self.seen = 0
        self.chars = 0
        self.marks = sorted(marks)
        self.cpu0 = time.process_time()

    def hit(self, text_len: int) -> None:
        self.seen += 1
        self.chars += text_len
        seen = self.seen
        if seen == 1:
            self.t_first = time.monotonic()
        if self.marks and seen == self.marks[0]:
            self.marks.pop(0)
            rss, hwm = self._rss_kb()
            self._emit(ok=True, mark=seen, rss_kb=rss, hwm_kb=hwm)
        if seen == self.target:
            t_last = time.monotonic()
            cpu = time.process_time() - self.cpu0
            rss, hwm = self._rss_kb()
            self._emit(
                ok=True,
                seen=seen,
                t_first=self.t_first,
                t_last=t_last,
                cpu_s=cpu,
                rss_kb=rss,
                hwm_kb=hwm,
                chars=self.chars,
            )
