"""``Message.content`` parses exactly as ``json.loads`` would (the C scanner shortcut changes nothing)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from mezon_trio._models.message import _parse_content


def _reference(raw: str) -> dict[str, Any]:
    """The definition: ``json.loads``, tolerant (docs/protocol.md §6.1)."""
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return {"t": raw}
    return value if isinstance(value, dict) else {"t": raw}


def _same(raw: str) -> None:
    got = _parse_content(raw)
    want = _reference(raw)
    # repr: NaN != NaN, and int/float/bool must not be confused either.
    assert repr(got) == repr(want)


_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
_json_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)
_space = st.sampled_from(["", " ", "\n", "\t ", "x", "}", '"', "{}", "\ufeff"])


@settings(max_examples=400, deadline=None)
@given(value=_json_values, ascii=st.booleans(), before=_space, after=_space, compact=st.booleans())
def test_json_documents(value: Any, ascii: bool, before: str, after: str, compact: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii, separators=(",", ":") if compact else None)
    _same(text)
    _same(before + text)
    _same(text + after)


@settings(max_examples=400, deadline=None)
@given(raw=st.text())
@example('{"t":"plain"}')
@example('{"t":"a"} ')
@example('{"t":"a"}x')
@example('{"t":"a"}{}')
@example("{")
@example("{}")
@example("{ }")
@example('{"t":"a\x01"}')
@example('{"t":"\\ud800"}')
@example('{"a":NaN}')
@example("\ufeff{}")
@example('{"a":' * 100_000)
@example("[" * 100_000)
def test_any_text(raw: str) -> None:
    _same(raw)


@given(text=st.text())
def test_object_prefix(text: str) -> None:
    _same('{"t":"' + text + '"}')
    _same('{"t":' + text)
