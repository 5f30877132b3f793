"""Fields that hold a code, not text (DESIGN.md: "a field that names a country, a language, a court
or a facility holds a code, validated when the command is parsed; guards compare codes").

A command field annotated ``Country``, ``Language``, ``CourtCode`` or ``IssuerCode`` is parsed by
``commands.parse_command`` into the one code the reference tables give it; the API schema and the
pages read the same marks to offer an enumeration or a picker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated


@dataclass(frozen=True)
class CodeKind:
    kind: str  # country, language, court, issuer


Country = Annotated[str, CodeKind("country")]
Language = Annotated[str, CodeKind("language")]
CourtCode = Annotated[str, CodeKind("court")]
IssuerCode = Annotated[str, CodeKind("issuer")]
