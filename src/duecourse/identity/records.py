"""Person records from the agency's own lawful sources, validated and normalised for linkage.

A :class:`Record` is what one source (an encounter, a court record, a prior case file, a transfer
from another custody) says about a person. Records are compared field by field after
normalisation: letter case, accents, punctuation and script are removed (any script is
transliterated to ASCII), double surnames are split into their parts, and each name gets a
phonetic key (Metaphone, from jellyfish) so that transliteration variants such as
Mohammed/Muhammad or Aleksandr/Alexander meet.

Input arrives as rows of text (the CSV interface of the CLI)::

    record_id,family_name,given_name,birth_date,sex,nationality,address,city,postcode,a_number

and, optionally, ``document_number``: the number of an identity or travel document the source
saw (a passport, a consular identity card). Every column but ``record_id`` may be empty.

Agency records are messy, and one unreadable field does not make a record worthless: a value
that is not valid (:func:`field_problem`: a birth date that is not in the calendar, in the future
or before 1880, a malformed A-number, a name without a letter ...) is *flagged*. The record is
kept with that field empty, so it takes no part in blocking, comparison or the model's evidence,
and the value as given and the reason travel with it (:attr:`Record.flags`) to the import's
data-quality report and to every reviewer who sees the record. Only a structurally broken row
(no record id, a record id used twice or too long, an unknown column, a cell larger than
:data:`MAX_CELL`) refuses the batch: :func:`parse_rows` then raises one :class:`InvalidRecords`
naming every bad row and field, and returns nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import jellyfish
from anyascii import anyascii
from nicknames import NickNamer

from ..domain import valid
from ..domain.errors import InvalidInput

__all__ = [
    "ALL_COLUMNS",
    "COLUMNS",
    "FIELD_LABELS",
    "MAX_CELL",
    "OPTIONAL_COLUMNS",
    "FieldFlag",
    "InvalidRecords",
    "NameParts",
    "Record",
    "RowProblem",
    "check_a_number",
    "field_problem",
    "name_parts",
    "nickname_keys",
    "normalise_a_number",
    "normalise_document_number",
    "normalise_text",
    "parse_row",
    "parse_rows",
    "phonetic",
    "today_anywhere",
]

COLUMNS = ("record_id", "family_name", "given_name", "birth_date", "sex", "nationality",
           "address", "city", "postcode", "a_number")
OPTIONAL_COLUMNS = ("document_number",)  # a file may leave these out of its header
ALL_COLUMNS = COLUMNS + OPTIONAL_COLUMNS
MAX_CELL = 65_536  # characters in one cell (64 kB); a larger one is no field, it breaks the row
MAX_TEXT = 200  # characters of a name, an address, a city or a postcode (and of a record id)
# How a field is named to a person reading a report or a record.
FIELD_LABELS = {"record_id": "record id", "family_name": "family name", "given_name": "given name",
                "birth_date": "birth date", "sex": "sex", "nationality": "nationality",
                "address": "address", "city": "city", "postcode": "postcode",
                "a_number": "A-number", "document_number": "document number"}


# Name particles and generational suffixes carry no identity on their own: "de la Cruz" and
# "Cruz", "Al-Hassan" and "Hassan" are the same surname as written by different clerks.
# (A generational suffix is dropped too: father and son are told apart by birth date.)
_PARTICLES = frozenset({"de", "del", "la", "las", "los", "da", "das", "do", "dos", "di", "du",
                        "van", "von", "der", "den", "ter", "le", "al", "el", "bin", "ibn", "bint",
                        "abu", "y", "e", "jr", "sr", "ii", "iii", "iv"})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DOCUMENT_NUMBER = re.compile(r"^[A-Z0-9]{5,20}$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@dataclass(frozen=True, slots=True)
class FieldFlag:
    """A value a source gave that is not valid for its field: kept as given, with the reason,
    and left out of every comparison (the record's field is empty)."""

    field: str
    given: str  # the value exactly as the source gave it
    reason: str  # plain words: "not a date in the calendar"

    def __str__(self) -> str:
        shown = self.given if len(self.given) <= 80 else self.given[:80] + "…"
        return f"{FIELD_LABELS.get(self.field, self.field)} given as {shown!r} ({self.reason})"


@dataclass(frozen=True, slots=True)
class Record:
    """What one source says about one person. Empty text means the source did not say."""

    record_id: str
    source: str
    family_name: str = ""
    given_name: str = ""
    birth_date: date | None = None
    sex: str = ""  # M, F, X or empty
    nationality: str = ""  # ISO 3166 alpha-2 or empty
    address: str = ""
    city: str = ""
    postcode: str = ""
    a_number: str = ""  # normalised: "A" and nine digits, or empty
    document_number: str = ""  # normalised: upper-case letters and digits, or empty
    flags: tuple[FieldFlag, ...] = ()  # values given but not valid; their fields are empty


@dataclass(frozen=True)
class RowProblem:
    """One bad field of one input row."""

    row: int  # 1-based, counted as the caller asked (a CSV file's line number, say)
    record_id: str
    field: str
    message: str

    def __str__(self) -> str:
        rid = f" (record {self.record_id})" if self.record_id else ""
        return f"row {self.row}{rid}, field '{self.field}': {self.message}"


class InvalidRecords(InvalidInput):
    """Some input rows are malformed; nothing was taken. ``problems`` names every one."""

    def __init__(self, source: str, problems: list[RowProblem]) -> None:
        self.problems = problems
        first = problems[0]
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(
            first.field,
            f"{len(problems)} problem(s) in the records from '{source}'; no record was taken:\n{lines}",
            record=f"row {first.row}",
        )


# --- normalisation ------------------------------------------------------------------------------

@lru_cache(maxsize=1 << 18)
def normalise_text(text: str) -> str:
    """Lower-case ASCII words separated by single spaces: accents, script and punctuation removed.

    Apostrophes join (O'Brien → obrien); hyphens, dots and commas separate.
    """
    if not text:
        return ""
    if text.isascii():
        t = text.lower().replace("'", "")
    else:
        t = unicodedata.normalize("NFKC", text).replace("'", "").replace("’", "")
        t = anyascii(t).lower().replace("'", "")
    return _NON_ALNUM.sub(" ", t).strip()


@lru_cache(maxsize=1 << 18)
def phonetic(token: str) -> str:
    """A phonetic key of one normalised word (Metaphone): Mohammed, Muhammad → MHMT."""
    if not token:
        return ""
    return str(jellyfish.metaphone(token.replace(" ", "")))


@dataclass(frozen=True, slots=True)
class NameParts:
    """A normalised name: the full form, its words, and the phonetic key of the full form."""

    full: str  # words joined by one space, particles dropped
    tokens: tuple[str, ...]
    key: str  # phonetic key of the words run together


@lru_cache(maxsize=1 << 18)
def name_parts(raw: str) -> NameParts:
    """Split a name into normalised words; particles are dropped when other words remain."""
    words = normalise_text(raw).split()
    kept = tuple(w for w in words if w not in _PARTICLES and not w.isdigit())
    if not kept:
        kept = tuple(w for w in words if not w.isdigit())
    full = " ".join(kept)
    return NameParts(full, kept, phonetic("".join(kept)))


_NICKNAMER: NickNamer | None = None


@lru_cache(maxsize=1 << 16)
def nickname_keys(token: str) -> frozenset[str]:
    """Canonical forms of a given name: itself and every name it is a nickname of.

    Two given names are related (Bill, William; Bill, Will) when their key sets meet.
    The table is the curated English list of the ``nicknames`` package.
    """
    global _NICKNAMER
    if not token:
        return frozenset()
    if _NICKNAMER is None:
        _NICKNAMER = NickNamer()
    return frozenset({token, *_NICKNAMER.canonicals_of(token)})


def normalise_a_number(text: str) -> str | None:
    """``A`` and nine digits, or None if ``text`` is not an A-number.

    An A-number is the letter A and 8 or 9 digits; spaces and hyphens are ignored, the A may be
    omitted (``domain/valid.py``), and an 8-digit number is padded with a leading zero
    (A12345678 = A012345678).
    """
    try:  # the product's one rule for an A-number (domain/valid.py), in nine digits
        written = valid.a_number(text)
    except ValueError:
        return None
    return "A" + written[1:].rjust(9, "0") if written else None


def normalise_document_number(text: str) -> str | None:
    """Upper-case letters and digits (5 to 20 of them), or None if ``text`` is not a document number.

    Spaces, hyphens, dots and slashes are ignored (X 123-456 = X123456): clerks copy them as
    printed. Which document it is does not matter for comparison; the number does.
    """
    t = re.sub(r"[\s./-]+", "", text).upper()
    return t if _DOCUMENT_NUMBER.match(t) else None


def check_a_number(text: str) -> str:
    """The normalised A-number; raises :class:`InvalidInput` naming the format if it is not one."""
    out = normalise_a_number(text)
    if out is None:
        raise InvalidInput("a_number", f"'{text}' is not an A-number (the letter A and 8 or 9 digits)")
    return out


# --- validity ----------------------------------------------------------------------------------

def today_anywhere(now: datetime) -> date:
    """The latest date it is anywhere on Earth at the instant ``now`` (the date at UTC+14): a
    birth date after it is in the future wherever the record was made."""
    return (now.astimezone(UTC) + timedelta(hours=14)).date()


def _date_problem(text: str) -> str | None:
    if _DATE.match(text) is None:
        return "not a date in the form YYYY-MM-DD"
    try:
        date.fromisoformat(text)
    except ValueError:
        return "not a date in the calendar"
    return None


def _text_problem(text: str) -> str | None:
    if len(text) > MAX_TEXT:
        return f"longer than {MAX_TEXT} characters"
    if not text.isprintable():  # (printable text holds no control or format character)
        bad = next((c for c in text if unicodedata.category(c) in ("Cc", "Cf")), None)
        if bad is not None:  # a terminal code or an invisible mark is no part of a name
            return f"holds a control or format character, U+{ord(bad):04X}"
    return None


def field_problem(field: str, text: str, today: date) -> str | None:
    """Why ``text`` (stripped, not empty) is not a valid value of ``field``, in plain words, or
    None if it is one. ``today`` is :func:`today_anywhere` of the import's clock.

    A person's details follow the product's one set of rules (``domain/valid.py``, the same as
    the API's, the pages' and the scenario files'): names, birth dates (calendar dates from 1880
    to today), sex (M, F or X), nationality (an ISO 3166 country, as its code or the name of
    exactly one) and A-numbers (the letter A and 8 or 9 digits). A document number is 5 to 20
    letters and digits; addresses, cities and postcodes at most 200 characters without control
    or format characters."""
    try:
        if field == "birth_date":
            if (why := _date_problem(text)) is not None:
                return why
            valid.birth_date(date.fromisoformat(text), latest=today)
            return None
        rule = _RULES.get(field)
        if rule is not None:
            rule(text)
            return None
    except ValueError as e:
        return str(e)
    if field == "document_number":
        return (None if normalise_document_number(text)
                else "not a document number: 5 to 20 letters and digits")
    return _text_problem(text)


_RULES: dict[str, Callable[[str], object]] = {
    "family_name": valid.name, "given_name": valid.name, "sex": valid.sex,
    "nationality": valid.country, "a_number": valid.a_number,
}


def _text_value(field: str, text: str) -> str:
    """The valid ``text`` of a text ``field`` as the record holds it (an A-number with nine
    digits, as the comparisons have it)."""
    if field == "sex":
        return valid.sex(text)
    if field == "nationality":
        return valid.country(text)
    if field == "a_number":
        return normalise_a_number(text) or ""
    if field == "document_number":
        return normalise_document_number(text) or ""
    return text


# --- parsing ------------------------------------------------------------------------------------

def _structure(row: Mapping[str, str | None], bad: Callable[[str, str], None]) -> None:
    """The problems that break a row (not a field): unknown columns, cells too large."""
    for k in sorted(k for k in row if k not in ALL_COLUMNS):
        bad(k, f"unknown column; the columns are {', '.join(ALL_COLUMNS)}")
    for k, v in row.items():
        if v is not None and len(v) > MAX_CELL:
            bad(k, f"the cell holds {len(v):,} characters; the limit is {MAX_CELL:,} (64 kB)")


def parse_rows(rows: Iterable[Mapping[str, str | None]], source: str, *,
               first_row: int = 1, today: date | None = None) -> list[Record]:
    """Validate rows of text and return them as records, or raise one :class:`InvalidRecords`.

    Each row maps column names (:data:`COLUMNS`) to text; a missing column or ``None`` counts as
    empty. A value that is not valid for its field (:func:`field_problem`) is flagged on its
    record (:attr:`Record.flags`) and its field left empty. A row that is broken (no record id,
    one used on an earlier row, longer than 200 characters or holding a control or format
    character, an unknown column, a cell larger
    than :data:`MAX_CELL`) refuses every row: all are checked, and every problem is reported with
    its row number (``first_row`` numbers the first row, e.g. 2 for a CSV file after its
    header), its record id and its field. ``today`` is the latest date a birth date may have
    (:func:`today_anywhere` of the import's clock; by default of the system clock's)."""
    if not source.strip():
        raise InvalidInput("source", "every record needs the source it came from")
    if today is None:
        today = today_anywhere(datetime.now(UTC))
    problems: list[RowProblem] = []
    out: list[Record] = []
    seen: dict[str, int] = {}
    for n, row in enumerate(rows, start=first_row):
        rid = (row.get("record_id") or "").strip()

        def bad(field: str, message: str, *, _n: int = n, _rid: str = rid[:MAX_TEXT]) -> None:
            problems.append(RowProblem(_n, _rid, field, message))

        _structure(row, bad)
        if not rid:
            bad("record_id", "is required")
        elif (why := _text_problem(rid)) is not None:  # the key of everything else
            bad("record_id", why)
        elif rid in seen:
            bad("record_id", f"'{rid}' was already used on row {seen[rid]}")
        else:
            seen[rid] = n
        if problems:
            continue  # keep checking, but build nothing once anything is wrong
        out.append(_record(row, rid, source, today))
    if problems:
        raise InvalidRecords(source, problems)
    return out


def parse_row(row: Mapping[str, str | None], source: str, today: date) -> Record:
    """One structurally sound row (a record id, known columns; see :func:`parse_rows`, which
    checks that) as a record: each valid value parsed, each other one flagged."""
    return _record(row, (row.get("record_id") or "").strip(), source, today)


def _record(row: Mapping[str, str | None], rid: str, source: str, today: date) -> Record:
    """A structurally sound row as a record: each valid value parsed, each other one flagged."""
    t: dict[str, str] = {}
    birth: date | None = None
    flags: list[FieldFlag] = []
    for c in ALL_COLUMNS[1:]:
        given = row.get(c) or ""
        text = given.strip()
        if not text:
            continue
        reason = field_problem(c, text, today)
        if reason is not None:
            flags.append(FieldFlag(c, given, reason))
        elif c == "birth_date":
            birth = date.fromisoformat(text)
        else:
            t[c] = _text_value(c, text)
    g = t.get
    return Record(record_id=rid, source=source, family_name=g("family_name", ""),
                  given_name=g("given_name", ""), birth_date=birth, sex=g("sex", ""),
                  nationality=g("nationality", ""), address=g("address", ""), city=g("city", ""),
                  postcode=g("postcode", ""), a_number=g("a_number", ""),
                  document_number=g("document_number", ""), flags=tuple(flags))
