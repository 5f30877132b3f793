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
:func:`parse_rows` checks every row and raises one :class:`InvalidRecords` naming every bad row
and field, or returns every record: all or nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import jellyfish
from anyascii import anyascii
from nicknames import NickNamer

from ..domain.errors import InvalidInput

__all__ = [
    "ALL_COLUMNS",
    "COLUMNS",
    "ISO_COUNTRIES",
    "OPTIONAL_COLUMNS",
    "InvalidRecords",
    "NameParts",
    "Record",
    "RowProblem",
    "check_a_number",
    "name_parts",
    "nickname_keys",
    "normalise_a_number",
    "normalise_document_number",
    "normalise_text",
    "parse_rows",
    "phonetic",
]

COLUMNS = ("record_id", "family_name", "given_name", "birth_date", "sex", "nationality",
           "address", "city", "postcode", "a_number")
OPTIONAL_COLUMNS = ("document_number",)  # a file may leave these out of its header
ALL_COLUMNS = COLUMNS + OPTIONAL_COLUMNS
SEXES = ("M", "F", "X")

# ISO 3166-1 alpha-2: the 249 officially assigned codes.
ISO_COUNTRIES = frozenset({
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
})

# Name particles and generational suffixes carry no identity on their own: "de la Cruz" and
# "Cruz", "Al-Hassan" and "Hassan" are the same surname as written by different clerks.
# (A generational suffix is dropped too: father and son are told apart by birth date.)
_PARTICLES = frozenset({"de", "del", "la", "las", "los", "da", "das", "do", "dos", "di", "du",
                        "van", "von", "der", "den", "ter", "le", "al", "el", "bin", "ibn", "bint",
                        "abu", "y", "e", "jr", "sr", "ii", "iii", "iv"})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_A_NUMBER = re.compile(r"^A?(\d{8,9})$")
_DOCUMENT_NUMBER = re.compile(r"^[A-Z0-9]{5,20}$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


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
    omitted, and an 8-digit number is padded with a leading zero (A12345678 = A012345678).
    """
    t = text.strip().upper().replace(" ", "").replace("-", "")
    m = _A_NUMBER.match(t)
    if m is None:
        return None
    return "A" + m.group(1).rjust(9, "0")


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


# --- parsing ------------------------------------------------------------------------------------

def _parse_date(text: str) -> date:
    m = _DATE.match(text)
    if m is None:
        raise ValueError(f"'{text}' is not a date in the form YYYY-MM-DD")
    y, mo, d = (int(g) for g in m.groups())
    try:
        out = date(y, mo, d)
    except ValueError:
        raise ValueError(f"'{text}' is not a date in the calendar") from None
    if y < 1880:
        raise ValueError(f"'{text}' is before 1880")
    return out


def parse_rows(rows: Iterable[Mapping[str, str | None]], source: str, *,
               first_row: int = 1) -> list[Record]:
    """Validate rows of text and return them as records, or raise one :class:`InvalidRecords`.

    Each row maps column names (:data:`COLUMNS`) to text; a missing column or ``None`` counts as
    empty. Every row is checked before anything is returned, and every problem is reported with
    its row number (``first_row`` numbers the first row, e.g. 2 for a CSV file after its header),
    its record id and its field. ``record_id`` is required and unique within the rows.
    """
    if not source.strip():
        raise InvalidInput("source", "every record needs the source it came from")
    problems: list[RowProblem] = []
    out: list[Record] = []
    seen: dict[str, int] = {}
    for n, row in enumerate(rows, start=first_row):
        unknown = sorted(k for k in row if k not in ALL_COLUMNS)
        v = {c: (row.get(c) or "").strip() for c in ALL_COLUMNS}
        rid = v["record_id"]

        def bad(field: str, message: str, *, _n: int = n, _rid: str = rid) -> None:
            problems.append(RowProblem(_n, _rid, field, message))

        for k in unknown:
            bad(k, f"unknown column; the columns are {', '.join(ALL_COLUMNS)}")
        if not rid:
            bad("record_id", "is required")
        elif rid in seen:
            bad("record_id", f"'{rid}' was already used on row {seen[rid]}")
        else:
            seen[rid] = n
        birth: date | None = None
        if v["birth_date"]:
            try:
                birth = _parse_date(v["birth_date"])
            except ValueError as e:
                bad("birth_date", str(e))
        sex = v["sex"].upper()
        if sex and sex not in SEXES:
            bad("sex", f"'{v['sex']}' is not one of M, F, X")
        nat = v["nationality"].upper()
        if nat and nat not in ISO_COUNTRIES:
            bad("nationality", f"'{v['nationality']}' is not an ISO 3166 alpha-2 country code")
        a_number = ""
        if v["a_number"]:
            a = normalise_a_number(v["a_number"])
            if a is None:
                bad("a_number", f"'{v['a_number']}' is not an A-number (the letter A and 8 or 9 digits)")
            else:
                a_number = a
        document_number = ""
        if v["document_number"]:
            d = normalise_document_number(v["document_number"])
            if d is None:
                bad("document_number", f"'{v['document_number']}' is not a document number (5 to 20 "
                    "letters and digits)")
            else:
                document_number = d
        for c in ("family_name", "given_name", "address", "city", "postcode"):
            if len(v[c]) > 200:
                bad(c, "is longer than 200 characters")
        if problems:
            continue  # keep checking, but build nothing once anything is wrong
        out.append(Record(
            record_id=rid, source=source, family_name=v["family_name"], given_name=v["given_name"],
            birth_date=birth, sex=sex, nationality=nat, address=v["address"], city=v["city"],
            postcode=v["postcode"], a_number=a_number, document_number=document_number,
        ))
    if problems:
        raise InvalidRecords(source, problems)
    return out
