"""Compliance: legal clocks, statements of reasons, transparency reports, retention."""
