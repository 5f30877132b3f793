"""Canonical JSON bytes for ledger entries.

A ledger entry's leaf is ``leaf_hash(canonical_json(entry))`` (RFC 6962 §2.1), so the
same logical entry must always serialise to the same bytes: keys sorted, no
insignificant whitespace, UTF-8 without ``\\u`` escapes for non-ASCII text.

Only plain JSON values are accepted — ``None``, ``bool``, ``int``, finite ``float``,
``str``, ``list``/``tuple`` and ``dict`` with ``str`` keys. Anything else (datetimes,
dates, Decimals, bytes, UUIDs, non-string keys) raises TypeError: the caller must turn
it into a string first, deliberately, so that its textual form is part of the record.
"""

from __future__ import annotations

import hashlib
import json
import math

__all__ = ["canonical_json", "sha256_hex"]

_encoder = json.JSONEncoder(
    skipkeys=False,
    ensure_ascii=False,
    check_circular=True,
    allow_nan=False,
    sort_keys=True,
    separators=(",", ":"),
)


def _check(obj: object, path: str) -> None:
    """Raise TypeError/ValueError at the first value that is not plain JSON."""
    if obj is None or isinstance(obj, bool | int | str):
        return
    if isinstance(obj, float):
        if not math.isfinite(obj):
            raise ValueError(f"{path}: {obj!r} has no JSON form")
        return
    if isinstance(obj, list | tuple):
        for i, item in enumerate(obj):
            _check(item, f"{path}[{i}]")
        return
    if isinstance(obj, dict):
        for key, value in obj.items():
            if not isinstance(key, str):
                raise TypeError(f"{path}: key {key!r} is a {type(key).__name__}, not a str")
            _check(value, f"{path}.{key}")
        return
    raise TypeError(
        f"{path}: a {type(obj).__name__} is not canonical JSON; convert it to a string "
        "(datetimes as ISO 8601 UTC) before it enters the ledger"
    )


def canonical_json(obj: object) -> bytes:
    """UTF-8 JSON with sorted keys and ``(",", ":")`` separators, ``ensure_ascii=False``.

    Raises TypeError for any value that is not plain JSON (see the module docstring),
    ValueError for NaN/infinity, and UnicodeEncodeError (a ValueError) for lone
    surrogates in strings.
    """
    _check(obj, "$")
    return _encoder.encode(obj).encode("utf-8")


def sha256_hex(b: bytes) -> str:
    """Lower-case hex SHA-256 of ``b``."""
    return hashlib.sha256(b).hexdigest()
