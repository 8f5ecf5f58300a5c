"""Watchfloor: the system of record for a 24/7 safety response team."""

__version__ = "0.1.0"
