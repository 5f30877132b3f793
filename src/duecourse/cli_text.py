"""Text typed by someone else, as the terminal shows it (issue 16): control characters (an
escape sequence, a bell) written out as ``\\xNN`` and invisible format characters (bidirectional
overrides, zero-width marks) as ``\\uXXXX``, never sent to the terminal; Rich markup escaped, so
that ``[/]`` or ``[bold]`` in a name or a source is printed as typed."""

from __future__ import annotations

import unicodedata

from rich.markup import escape


def _written_out(c: str) -> str:
    category = unicodedata.category(c)
    if category == "Cc":
        return f"\\x{ord(c):02x}"
    if category == "Cf":
        return f"\\u{ord(c):04x}"
    return c


def shown(value: object) -> str:
    return escape("".join(map(_written_out, str(value))))
