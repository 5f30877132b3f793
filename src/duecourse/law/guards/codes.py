"""A field that names a country, a language, a court or an issuing body holds a code its table
lists (DESIGN.md: codes are validated when the command is parsed; guards compare codes).

Parsing refuses any other value (InvalidInput naming the field). This asks the same of a command
built in code that never went through the parser (the simulator, an importer), before any clock
reads the code: a clock asked for the zone of a court no table knows would have nothing to count
in. Part of TEXT, a rule of the software.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any, Union

from ... import reference
from ...domain.codes import CodeKind
from ...domain.commands import COMMAND_NAMES, COMMAND_TYPES, Command
from ..framework import GuardInput, guard

# The same readers as ``parse_command``: each returns the code or raises ValueError saying why.
READERS: dict[str, Callable[[str], str]] = {
    "country": reference.country, "language": reference.language, "court": reference.court,
    "issuer": lambda v: reference.issuer(v).code,
}


def _code_kind(tp: Any) -> str:
    """The kind of code a field's type holds ("" if none): ``Court``, ``Court | None`` and
    ``tuple[Country, ...]`` alike."""
    origin = typing.get_origin(tp)
    if origin is Annotated:
        return next((m.kind for m in typing.get_args(tp)[1:] if isinstance(m, CodeKind)), "")
    if origin in (Union, types.UnionType, tuple):
        return next((k for k in map(_code_kind, typing.get_args(tp)) if k), "")
    return ""


@cache
def code_fields(name: str) -> tuple[tuple[str, str], ...]:
    """The command's fields that hold a code: (field, kind)."""
    cls = COMMAND_TYPES[name]
    hints = typing.get_type_hints(cls, include_extras=True)
    kinds = ((f.name, _code_kind(hints[f.name])) for f in dataclasses.fields(cls) if f.init)
    return tuple((f, kind) for f, kind in kinds if kind)


@guard(
    "TEXT", title="A country, language, court or issuing body is given by a code its table lists",
    citation="5 U.S.C. 552a(e)(5); duecourse policy (issue 15; DESIGN.md: a field that names a "
             "country, a language or a court holds a code)",
    protects="no clock or rule is asked about a court, country or language no table knows",
    confidence="K", commands=frozenset(COMMAND_NAMES), effective_from="", verified="2026-12-07",
    source="duecourse (issue 15; a rule of the software: no legal effective date)",
)
def known_codes(g: GuardInput) -> str | None:
    cmd: Command = g.command
    problems = []
    for f, kind in code_fields(cmd.name):
        value = getattr(cmd, f, None)
        for v in value if isinstance(value, tuple) else (value,):
            if v is None or (isinstance(v, str) and not v.strip()):
                continue  # not given: a required one is refused as blank (TEXT)
            try:
                READERS[kind](v)
            except (ValueError, TypeError, AttributeError) as e:
                problems.append(f"{f}: {e}")
    return "; ".join(problems) or None
