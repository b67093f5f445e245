"""The single source of mezon-trio's version."""

__version__ = "0.1.0"
"""The installed mezon-trio version (PEP 440)."""
