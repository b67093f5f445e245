"""Typed events: one frozen class per event bots use, converted from the wire payloads."""
