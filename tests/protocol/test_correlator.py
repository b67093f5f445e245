"""cid allocation: 1..65535, wraps to 1, skips pending cids, release is idempotent."""

from __future__ import annotations

import pytest

from mezon_trio._protocol.correlator import MAX_CID, Correlator
from mezon_trio.errors import MezonInternalError


def test_starts_at_one_and_counts_up() -> None:
    c: Correlator[str] = Correlator()
    assert [c.register("a"), c.register("b"), c.register("c")] == [1, 2, 3]
    assert c.get(2) == "b"
    assert len(c) == 3


def test_release_removes_and_is_idempotent() -> None:
    c: Correlator[str] = Correlator()
    cid = c.register("a")
    c.release(cid)
    c.release(cid)
    assert c.get(cid) is None
    assert cid not in c
    # Counter keeps going (never reuses immediately, like PY/MJS).
    assert c.register("b") == 2


def test_wraps_after_65535_and_skips_pending() -> None:
    c: Correlator[int] = Correlator()
    first = c.register(0)  # 1 stays pending
    assert first == 1
    for i in range(2, MAX_CID + 1):
        assert c.register(i) == i
        c.release(i)
    assert c.last_cid == MAX_CID
    # 1 is pending, so the next is 2.
    assert c.register(99) == 2


def test_full_table_is_an_internal_error() -> None:
    c: Correlator[None] = Correlator()
    for _ in range(MAX_CID):
        c.register(None)
    with pytest.raises(MezonInternalError):
        c.register(None)


def test_waiters_is_a_snapshot() -> None:
    c: Correlator[str] = Correlator()
    for w in "abc":
        c.register(w)
    for cid, _ in c.waiters():
        c.release(cid)  # mutating while iterating is safe
    assert len(c) == 0
