"""Resident memory of this process (Linux ``/proc``; ``resource`` elsewhere)."""

from __future__ import annotations

import sys

__all__ = ["rss_kb"]


def rss_kb() -> tuple[int, int]:
    """``(current RSS, peak RSS)`` in KiB; current is 0 where ``/proc`` is missing."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            fields = dict(line.split(":", 1) for line in f if line.startswith(("VmRSS", "VmHWM")))
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])
    except (OSError, KeyError, ValueError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return 0, peak // 1024 if sys.platform == "darwin" else peak
