"""Shared fixtures of the protocol tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ._reference import Reference


@pytest.fixture(scope="session")
def reference() -> Reference:
    """Google's classes for proto/ (protoc-compiled once, in a private descriptor pool)."""
    from ._reference import load_reference

    return load_reference()
