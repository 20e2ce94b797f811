"""Row ids as URLs and forms carry them.

Every table's id is a 32-bit signed integer on PostgreSQL (64-bit on SQLite), so a number outside
1..MAX_ID names no row anywhere. Such a number is answered as "not found" before it reaches a database,
which would otherwise fail on it (an overflow is an error, not an empty result).
"""

from __future__ import annotations

MAX_ID = 2**31 - 1


def parse_id(value: object) -> int | None:
    """``value`` as a row id, or None when it is not a whole number within 1..MAX_ID."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        number = int(value)
    else:
        return None
    return number if 1 <= number <= MAX_ID else None
