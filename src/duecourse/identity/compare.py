"""Field comparisons of record pairs, computed column-wise over a prepared table of records.

Records are turned once into integer-coded columns (:class:`Table`): each normalised string gets
a code from a shared vocabulary, so most comparisons are integer equality in numpy; only
Jaro-Winkler similarity reads the strings (rapidfuzz, on the pairs that need it). The same
functions serve batch linkage (millions of candidate pairs), lookup of one new record against an
index, and training, so a level means exactly the same thing everywhere.

Each comparison gives every pair a *level*: an index into the comparison's level names in
:data:`COMPARISONS`, ordered from the strongest agreement to disagreement, with ``missing`` last
(a field empty on either side is no evidence either way).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import date
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from .records import (
    Record,
    name_parts,
    nickname_keys,
    normalise_a_number,
    normalise_document_number,
    normalise_text,
    phonetic,
)

__all__ = [
    "COMPARISONS",
    "Comparison",
    "Pairs",
    "Table",
    "Vocab",
    "compare_pairs",
    "present",
]

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]
B = npt.NDArray[np.bool_]

MISSING = -1
NO_DATE = np.iinfo(np.int32).min
_EPOCH = date(1970, 1, 1).toordinal()
NAME_JW = 0.94  # Jaro-Winkler at or above this (or the same phonetic key) is a close name
NAME_EDIT_MIN_LEN = 4  # names this long or longer are close when one edit apart (Damerau)
DOB_CLOSE_DAYS = 3  # birth dates this many days apart or fewer are close (a day mistyped)
ADDRESS_JW = 0.9  # the street part of two addresses with the same house number
WORKERS = -1  # rapidfuzz threads: every core


@dataclass(frozen=True)
class Comparison:
    """One comparison: its name, its levels (strongest first, ``missing`` last), what each means."""

    name: str
    levels: tuple[str, ...]
    descriptions: tuple[str, ...]

    @property
    def missing(self) -> int:
        return len(self.levels) - 1

    def level(self, name: str) -> int:
        return self.levels.index(name)


COMPARISONS: tuple[Comparison, ...] = (
    Comparison("given_name", ("exact", "close", "nickname", "initial", "different", "missing"), (
        "the same given name",
        "the same given name but for a typo, a transliteration, or a name left out",
        "one given name is a nickname of the other",
        "only the initials agree",
        "different given names",
        "given name missing on one side",
    )),
    Comparison("family_name", ("exact", "part", "close", "different", "missing"), (
        "the same family name",
        "one family name is part of the other (a double surname written in part)",
        "the same family name but for a typo or a transliteration",
        "different family names",
        "family name missing on one side",
    )),
    Comparison("birth_date", ("exact", "swapped", "close", "different", "missing"), (
        "the same birth date",
        "day and month swapped",
        "one digit off, a few days apart, or the same day a year apart",
        "different birth dates",
        "birth date missing on one side",
    )),
    Comparison("sex", ("exact", "different", "missing"), (
        "the same sex", "different sex", "sex missing on one side",
    )),
    Comparison("nationality", ("exact", "different", "missing"), (
        "the same nationality", "different nationalities", "nationality missing on one side",
    )),
    Comparison("a_number", ("exact", "different", "missing"), (
        "the same A-number", "different A-numbers", "A-number missing on one side",
    )),
    # Address, postcode and city are one comparison: they say the same thing (where the person
    # lives) and adding their weights up would count that evidence two or three times over.
    Comparison("location", ("address", "address_close", "postcode", "city", "different", "missing"), (
        "the same address",
        "the same house number and nearly the same street",
        "the same postcode, not the same address",
        "the same city only",
        "different places",
        "no place to compare",
    )),
    # The number of an identity or travel document. One edit apart is a copying error; it is
    # also how close the passports of a family applying together can be, so only "exact" says
    # whose record it is (see the household vetoes in the linker).
    Comparison("document_number", ("exact", "close", "different", "missing"), (
        "the same document number",
        "document numbers one character apart (a typo, or two characters swapped)",
        "different document numbers",
        "document number missing on one side",
    )),
)
GIVEN, FAMILY, DOB, SEX, NAT, ANUM, LOC, DOC = range(len(COMPARISONS))


class Vocab:
    """Interns strings as integer codes; the empty string is :data:`MISSING`.

    :meth:`arrays` gives the strings and their lengths indexed by code (code -1 reads ""), kept in
    growable arrays so that a lookup adding a few new strings copies nothing."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}
        self.values: list[str] = []
        self._arr: npt.NDArray[np.object_] = np.array([""], dtype=object)
        self._len: npt.NDArray[np.int32] = np.zeros(1, np.int32)
        self._synced = 0
        self._lock = threading.Lock()  # chunks of pairs are compared in threads

    def code(self, s: str) -> int:
        if not s:
            return MISSING
        c = self.codes.get(s)
        if c is None:
            c = self.codes[s] = len(self.values)
            self.values.append(s)
        return c

    def arrays(self) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.int32]]:
        n = len(self.values)
        if self._synced != n:
            with self._lock:
                if self._synced != n:
                    self._sync(n)
        # A view ending in the "" sentinel, so that code -1 reads "".
        return self._arr[:n + 1], self._len[:n + 1]

    def _sync(self, n: int) -> None:
        if len(self._arr) < n + 1:
            cap = max(n + 1, 2 * len(self._arr))
            arr = np.empty(cap, dtype=object)
            arr[:self._synced] = self._arr[:self._synced]
            lens = np.zeros(cap, np.int32)
            lens[:self._synced] = self._len[:self._synced]
            self._arr, self._len = arr, lens
        new = self.values[self._synced:n]
        self._arr[self._synced:n] = new
        self._len[self._synced:n] = [len(x) for x in new]
        self._arr[n] = ""
        self._len[n] = 0
        self._synced = n


class NicknameSets:
    """Given names (their first word) as codes, and which pairs of them are related: one name is
    among the other's canonical forms (:func:`nickname_keys`): Bill and William, Chris and
    Christopher; not William and Robert, who merely share "Bill".

    The related pairs are found when a name is first seen (against the names already known), so
    that comparing millions of pairs is a sorted lookup."""

    _WIDTH = 1 << 31

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}  # a name → its code
        self._having: dict[str, list[int]] = {}  # a canonical form → codes of names that have it
        self._pairs: set[int] = set()  # lo * _WIDTH + hi for each related pair of codes
        self._sorted: npt.NDArray[np.int64] = np.zeros(0, np.int64)

    def code(self, token: str) -> int:
        if not token:
            return MISSING
        c = self.codes.get(token)
        if c is not None:
            return c
        c = self.codes[token] = len(self.codes)
        forms = nickname_keys(token) - {token}
        related = {self.codes[f] for f in forms if f in self.codes}  # its forms, as names
        related.update(self._having.get(token, ()))  # names it is a form of
        for other in related:
            self._pairs.add(min(c, other) * self._WIDTH + max(c, other))
        for f in forms:
            self._having.setdefault(f, []).append(c)
        return c

    def related(self, a: I32, b: I32) -> B:
        """Per pair of name codes: the two names are related (distinct names only)."""
        known = self._sorted  # read once: chunks of pairs are compared in threads
        if len(known) != len(self._pairs):
            known = self._sorted = np.array(sorted(self._pairs), np.int64)
        out = np.zeros(len(a), dtype=bool)
        ok = np.nonzero((a != MISSING) & (b != MISSING) & (a != b))[0]
        if len(ok) == 0 or len(known) == 0:
            return out
        a64, b64 = a[ok].astype(np.int64), b[ok].astype(np.int64)
        key = np.minimum(a64, b64) * self._WIDTH + np.maximum(a64, b64)
        pos = np.minimum(np.searchsorted(known, key), len(known) - 1)
        out[ok] = known[pos] == key
        return out


@dataclass
class Vocabs:
    """The code spaces a table's columns share (names: given and family alike, so that a given
    name can be compared with a family name when a clerk swapped them)."""

    names: Vocab = field(default_factory=Vocab)
    keys: Vocab = field(default_factory=Vocab)
    other: Vocab = field(default_factory=Vocab)
    documents: Vocab = field(default_factory=Vocab)  # document numbers and their near keys
    nicknames: NicknameSets = field(default_factory=NicknameSets)


NTOK = 3  # words kept per name (a double surname has two; a given name rarely more than three)


@dataclass
class NameCols:
    """Coded columns of one name field."""

    joined: I32  # the words run together (Xiu Ying = Xiuying)
    key: I32  # phonetic key of the joined words
    tokens: I32  # (n, NTOK) codes of the words, MISSING-padded
    first_key: I32  # phonetic key of the first word
    last_key: I32  # phonetic key of the last word (the second of a double surname)
    nick: I32  # code of the first word among the given names of NicknameSets
    initial: I32  # code of the first letter
    prefix: I32  # code of the first three letters

    def take(self, idx: I64) -> NameCols:
        return NameCols(self.joined[idx], self.key[idx], self.tokens[idx], self.first_key[idx],
                        self.last_key[idx], self.nick[idx], self.initial[idx], self.prefix[idx])


def _name_columns(raw: Sequence[str], v: Vocabs) -> NameCols:
    n = len(raw)
    uniq: dict[str, int] = {}
    ids = np.fromiter((uniq.setdefault(s, len(uniq)) for s in raw), dtype=np.int64, count=n)
    m = len(uniq)
    joined = np.full(m, MISSING, np.int32)
    key = np.full(m, MISSING, np.int32)
    first_key = np.full(m, MISSING, np.int32)
    last_key = np.full(m, MISSING, np.int32)
    initial = np.full(m, MISSING, np.int32)
    prefix = np.full(m, MISSING, np.int32)
    tokens = np.full((m, NTOK), MISSING, np.int32)
    nick = np.full(m, MISSING, np.int32)
    for s, u in uniq.items():
        p = name_parts(s)
        if not p.tokens:
            continue
        j = "".join(p.tokens)
        joined[u] = v.names.code(j)
        key[u] = v.keys.code(p.key)
        first_key[u] = v.keys.code(phonetic(p.tokens[0]))
        last_key[u] = v.keys.code(phonetic(p.tokens[-1]))
        initial[u] = v.names.code(p.tokens[0][0])
        prefix[u] = v.names.code(j[:3])
        for t, tok in enumerate(p.tokens[:NTOK]):
            tokens[u, t] = v.names.code(tok)
        nick[u] = v.nicknames.code(p.tokens[0])
    return NameCols(joined[ids], key[ids], tokens[ids], first_key[ids], last_key[ids], nick[ids],
                    initial[ids], prefix[ids])


_STREET_WORDS = {
    "street": "st", "str": "st", "avenue": "ave", "av": "ave", "road": "rd", "drive": "dr",
    "boulevard": "blvd", "lane": "ln", "court": "ct", "place": "pl", "apartment": "apt",
    "suite": "ste", "unit": "apt", "north": "n", "south": "s", "east": "e", "west": "w",
    "highway": "hwy", "circle": "cir", "terrace": "ter", "parkway": "pkwy", "crescent": "cres",
    "number": "", "no": "",
}


def normalise_address(raw: str) -> tuple[str, str, str]:
    """(whole address, house number, street) normalised: 12 Main Street = 12 main st."""
    words = [_STREET_WORDS.get(w, w) for w in normalise_text(raw).split()]
    words = [w for w in words if w]
    numbers = [w for w in words if w.isdigit()]
    street = " ".join(w for w in words if not w.isdigit())
    return " ".join(words), " ".join(numbers), street


@dataclass
class Table:
    """Records as coded columns, ready for comparison. Build with :meth:`from_records`."""

    vocabs: Vocabs
    record_ids: list[str]
    sources: list[str]
    given: NameCols
    family: NameCols
    dob: I32  # days since 1970-01-01, NO_DATE if missing
    dob_y: I32
    dob_m: I32
    dob_d: I32
    sex: I32
    nat: I32
    anum: I32
    addr: I32
    addr_num: I32
    addr_street: I32
    postcode: I32
    city: I32
    doc: I32  # document number
    doc_near: I32  # (n, DOC_NEAR) the number and its one-deletion variants, for blocking

    @property
    def n(self) -> int:
        return len(self.record_ids)

    def extended(self, records: Sequence[Record]) -> Table:
        """This table with ``records`` added after its rows, coded in the same vocabularies."""
        more = Table.from_records(records, vocabs=self.vocabs)
        values: dict[str, object] = {}
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(more, f.name)
            if f.name == "vocabs":
                values[f.name] = a
            elif isinstance(a, list):
                values[f.name] = a + b
            elif isinstance(a, NameCols):
                values[f.name] = NameCols(*(np.concatenate([getattr(a, g.name), getattr(b, g.name)])
                                            for g in fields(NameCols)))
            else:
                values[f.name] = np.concatenate([a, b])
        return Table(**values)  # type: ignore[arg-type]

    @classmethod
    def from_records(cls, records: Sequence[Record], vocabs: Vocabs | None = None) -> Table:
        v = vocabs if vocabs is not None else Vocabs()
        n = len(records)

        def codes(values: list[str], norm: bool = True) -> I32:
            uniq: dict[str, int] = {}
            ids = np.fromiter((uniq.setdefault(s, len(uniq)) for s in values), dtype=np.int64, count=n)
            table = np.array([v.other.code(normalise_text(s) if norm else s) for s in uniq], dtype=np.int32)
            return table[ids] if n else np.zeros(0, np.int32)

        dobs = np.full(n, NO_DATE, np.int32)
        y = np.zeros(n, np.int32)
        mo = np.zeros(n, np.int32)
        d = np.zeros(n, np.int32)
        for i, r in enumerate(records):
            b = r.birth_date
            if b is not None:
                dobs[i] = b.toordinal() - _EPOCH
                y[i], mo[i], d[i] = b.year, b.month, b.day
        addr_raw = [r.address for r in records]
        uniq: dict[str, int] = {}
        ids = np.fromiter((uniq.setdefault(s, len(uniq)) for s in addr_raw), dtype=np.int64, count=n)
        parts = [normalise_address(s) for s in uniq]
        a_whole = np.array([v.other.code(p[0]) for p in parts], dtype=np.int32)
        a_num = np.array([v.other.code(p[1]) for p in parts], dtype=np.int32)
        a_street = np.array([v.other.code(p[2]) for p in parts], dtype=np.int32)
        if n == 0:
            a_whole = a_num = a_street = np.zeros(0, np.int32)
            ids = np.zeros(0, np.int64)
        return cls(
            vocabs=v,
            record_ids=[r.record_id for r in records],
            sources=[r.source for r in records],
            given=_name_columns([r.given_name for r in records], v),
            family=_name_columns([r.family_name for r in records], v),
            dob=dobs, dob_y=y, dob_m=mo, dob_d=d,
            sex=codes([r.sex for r in records], norm=False),
            nat=codes([r.nationality for r in records], norm=False),
            anum=codes([normalise_a_number(r.a_number) or "" if r.a_number else "" for r in records],
                       norm=False),
            addr=a_whole[ids], addr_num=a_num[ids], addr_street=a_street[ids],
            postcode=codes([r.postcode.replace(" ", "") for r in records]),
            city=codes([r.city for r in records]),
            **_document_columns(records, v.documents),
        )


DOC_NEAR = 10  # blocking keys per document number: itself and the first nine deletions


def _document_columns(records: Sequence[Record], vocab: Vocab) -> dict[str, I32]:
    """The document number's code, and its near keys: the number and the number with one of its
    first nine characters deleted. Two numbers one edit apart (a character changed, added,
    dropped, or two swapped) share one of these keys, so a mistyped number still blocks."""
    raw = [normalise_document_number(r.document_number) or "" if r.document_number else ""
           for r in records]
    uniq: dict[str, int] = {}
    ids = np.fromiter((uniq.setdefault(s, len(uniq)) for s in raw), dtype=np.int64, count=len(raw))
    code = np.full(len(uniq), MISSING, np.int32)
    near = np.full((len(uniq), DOC_NEAR), MISSING, np.int32)
    for s, u in uniq.items():
        if not s:
            continue
        code[u] = near[u, 0] = vocab.code(s)
        for i in range(min(len(s), DOC_NEAR - 1)):
            near[u, i + 1] = vocab.code(s[:i] + s[i + 1:])
    if not raw:
        return {"doc": np.zeros(0, np.int32), "doc_near": np.zeros((0, DOC_NEAR), np.int32)}
    return {"doc": code[ids], "doc_near": near[ids]}


@dataclass
class Pairs:
    """Compared pairs: left and right row indices, a level per comparison, and flags."""

    left: I64
    right: I64
    levels: I8  # (n, len(COMPARISONS))
    swapped: B  # names were compared crosswise (given against family)
    dob_far: B  # birth dates more than a year apart and not a day/month swap


def present(a: I32, b: I32) -> B:
    out: B = (a != MISSING) & (b != MISSING)
    return out


def _jw(strings: npt.NDArray[np.object_], a: I32, b: I32, threshold: float) -> B:
    """Jaro-Winkler similarity of the coded strings at or above ``threshold``."""
    out = np.zeros(len(a), dtype=bool)
    if len(a) == 0:
        return out
    sims = process.cpdist(strings[a], strings[b], scorer=JaroWinkler.normalized_similarity,
                          score_cutoff=threshold, workers=WORKERS)
    out[:] = sims >= threshold
    return out


def _close_strings(v: Vocab, a: I32, b: I32) -> B:
    """Jaro-Winkler at least NAME_JW, or one edit apart (Damerau) when both are long enough."""
    strings, lengths = v.arrays()
    out = _jw(strings, a, b, NAME_JW)
    rest = np.nonzero(~out & (np.minimum(lengths[a], lengths[b]) >= NAME_EDIT_MIN_LEN)
                      & (np.abs(lengths[a] - lengths[b]) <= 1))[0]
    if len(rest):
        d = process.cpdist(strings[a[rest]], strings[b[rest]], scorer=DamerauLevenshtein.distance,
                           score_cutoff=1, workers=WORKERS)
        out[rest] = d <= 1
    return out


def _subset(a: I32, b: I32) -> B:
    """Every word of the shorter name (at least one) is a word of the other: (n, NTOK) inputs."""
    inb = (a[:, :, None] == b[:, None, :]).any(axis=2) | (a == MISSING)
    ina = (b[:, :, None] == a[:, None, :]).any(axis=2) | (b == MISSING)
    out: B = inb.all(axis=1) | ina.all(axis=1)
    return out


def _given_levels(a: NameCols, b: NameCols, strings: Vocab, nicknames: NicknameSets) -> I8:
    lv = np.full(len(a.joined), 4, np.int8)  # different
    pres = present(a.joined, b.joined)
    lv[~pres] = 5
    exact = pres & (a.joined == b.joined)
    close = pres & ~exact & (a.key == b.key)
    idx = np.nonzero(pres & ~exact & ~close)[0]
    close[idx] = _subset(a.tokens[idx], b.tokens[idx])
    idx = np.nonzero(pres & ~exact & ~close)[0]
    close[idx] = _close_strings(strings, a.joined[idx], b.joined[idx])
    # The first given names alone (Yesica Yesenia, Yesia): a typo in a name written in part.
    idx = np.nonzero(pres & ~exact & ~close & (a.tokens[:, 0] != MISSING) & (b.tokens[:, 0] != MISSING))[0]
    close[idx] = _close_strings(strings, a.tokens[idx, 0], b.tokens[idx, 0])
    nick = np.zeros(len(a.joined), dtype=bool)
    idx = np.nonzero(pres & ~exact & ~close)[0]
    nick[idx] = nicknames.related(a.nick[idx], b.nick[idx])
    a_init = a.tokens[:, 1] == MISSING  # a one-word name
    b_init = b.tokens[:, 1] == MISSING
    one_letter = (a.joined == a.initial) & a_init | (b.joined == b.initial) & b_init
    initial = pres & ~exact & ~close & ~nick & one_letter & (a.initial == b.initial)
    lv[initial] = 3
    lv[nick] = 2
    lv[close] = 1
    lv[exact] = 0
    return lv


def _family_levels(a: NameCols, b: NameCols, strings: Vocab) -> I8:
    lv = np.full(len(a.joined), 3, np.int8)
    pres = present(a.joined, b.joined)
    lv[~pres] = 4
    exact = pres & (a.joined == b.joined)
    part = np.zeros(len(a.joined), dtype=bool)
    idx = np.nonzero(pres & ~exact)[0]
    part[idx] = _subset(a.tokens[idx], b.tokens[idx])
    close = pres & ~exact & ~part & (a.key == b.key)
    idx = np.nonzero(pres & ~exact & ~part & ~close)[0]
    close[idx] = _close_strings(strings, a.joined[idx], b.joined[idx])
    lv[close] = 2
    lv[part] = 1
    lv[exact] = 0
    return lv


_GOOD_GIVEN = np.array([4, 3, 2, 1, 0, 0], np.int8)  # how good each given level is, for alignment
_GOOD_FAMILY = np.array([4, 3, 3, 0, 0], np.int8)


def _simple(a: I32, b: I32) -> I8:
    lv = np.where(a == b, 0, 1).astype(np.int8)
    lv[~present(a, b)] = 2
    return lv


def _document_levels(t: Table, a: I32, b: I32) -> I8:
    lv = np.full(len(a), 2, np.int8)  # different
    lv[a == b] = 0
    lv[~present(a, b)] = 3
    idx = np.nonzero(lv == 2)[0]
    if len(idx):
        strings = t.vocabs.documents.arrays()[0]
        d = process.cpdist(strings[a[idx]], strings[b[idx]], scorer=DamerauLevenshtein.distance,
                           score_cutoff=1, workers=WORKERS)
        lv[idx[d <= 1]] = 1
    return lv


CHUNK = 250_000  # pairs compared at a time: bounds the memory of the gathered columns
THREADS = os.cpu_count() or 1  # chunks compared at once

T = TypeVar("T")


def in_chunks(n: int, work: Callable[[int], T]) -> list[T]:
    """``work(k)`` for the start ``k`` of every chunk of ``n`` pairs, in order, as many chunks at
    once as there are cores (numpy and rapidfuzz free the interpreter lock)."""
    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(work, range(0, n, CHUNK)))


def compare_pairs(lt: Table, li: I64, rt: Table, ri: I64) -> Pairs:
    """Compare rows ``li`` of ``lt`` with rows ``ri`` of ``rt`` (tables sharing vocabularies)."""
    li = np.asarray(li, np.int64)
    ri = np.asarray(ri, np.int64)
    if len(li) <= CHUNK:
        return _compare(lt, li, rt, ri)
    parts = in_chunks(len(li), lambda k: _compare(lt, li[k:k + CHUNK], rt, ri[k:k + CHUNK]))
    return Pairs(li, ri, np.concatenate([p.levels for p in parts]),
                 np.concatenate([p.swapped for p in parts]), np.concatenate([p.dob_far for p in parts]))


def _compare(lt: Table, li: I64, rt: Table, ri: I64) -> Pairs:
    li = np.asarray(li, np.int64)
    ri = np.asarray(ri, np.int64)
    n = len(li)
    strings = lt.vocabs.names
    lg, lf = lt.given.take(li), lt.family.take(li)
    rg, rf = rt.given.take(ri), rt.family.take(ri)
    g = _given_levels(lg, rg, strings, lt.vocabs.nicknames)
    f = _family_levels(lf, rf, strings)
    # Names in swapped order (family name written as given name): compare crosswise where the
    # straight reading finds little, and keep the crosswise reading where it agrees better.
    swapped = np.zeros(n, dtype=bool)
    weak = np.nonzero((_GOOD_GIVEN[g] <= 1) & (_GOOD_FAMILY[f] <= 1)
                      & present(lg.joined, rf.joined) & present(lf.joined, rg.joined))[0]
    if len(weak):
        gs = _given_levels(lg.take(weak), rf.take(weak), strings, lt.vocabs.nicknames)
        fs = _family_levels(lf.take(weak), rg.take(weak), strings)
        better = (_GOOD_GIVEN[gs].astype(np.int16) + _GOOD_FAMILY[fs]
                  > _GOOD_GIVEN[g[weak]].astype(np.int16) + _GOOD_FAMILY[f[weak]])
        w = weak[better]
        g[w], f[w] = gs[better], fs[better]
        swapped[w] = True

    # Birth date.
    ld, rd = lt.dob[li], rt.dob[ri]
    ly, lm, lday = lt.dob_y[li], lt.dob_m[li], lt.dob_d[li]
    ry, rm, rday = rt.dob_y[ri], rt.dob_m[ri], rt.dob_d[ri]
    dpres = (ld != NO_DATE) & (rd != NO_DATE)
    dlv = np.full(n, 3, np.int8)
    dlv[~dpres] = 4
    dexact = dpres & (ld == rd)
    dswap = dpres & ~dexact & (ly == ry) & (lm == rday) & (lday == rm)
    # One digit off in YYYYMMDD, a few days apart, or the same day and month a year apart.
    lnum = ly * 10000 + lm * 100 + lday
    rnum = ry * 10000 + rm * 100 + rday
    ndiff = np.zeros(n, np.int8)
    for p in (10_000_000, 1_000_000, 100_000, 10_000, 1000, 100, 10, 1):
        ndiff += ((lnum // p) % 10 != (rnum // p) % 10).astype(np.int8)
    dclose = dpres & ~dexact & ~dswap & (
        (ndiff == 1) | (np.abs(ld.astype(np.int64) - rd) <= DOB_CLOSE_DAYS)
        | ((lm == rm) & (lday == rday) & (np.abs(ly - ry) == 1)))
    dlv[dclose] = 2
    dlv[dswap] = 1
    dlv[dexact] = 0
    dob_far = dpres & ~dswap & (np.abs(ld.astype(np.int64) - rd) > 366)

    # Location: address, else postcode, else city — counted once.
    la, ra = lt.addr[li], rt.addr[ri]
    apres = present(la, ra)
    a_exact = apres & (la == ra)
    lnum_a, rnum_a = lt.addr_num[li], rt.addr_num[ri]
    cand = np.nonzero(apres & ~a_exact & (lnum_a == rnum_a) & (lnum_a != MISSING))[0]
    a_close = np.zeros(n, dtype=bool)
    if len(cand):
        a_close[cand] = _jw(lt.vocabs.other.arrays()[0], lt.addr_street[li[cand]], rt.addr_street[ri[cand]],
                            ADDRESS_JW)
    lp, rp = lt.postcode[li], rt.postcode[ri]
    lc, rc = lt.city[li], rt.city[ri]
    ppres, cpres = present(lp, rp), present(lc, rc)
    loc = np.full(n, 5, np.int8)  # missing
    loc[apres | ppres | cpres] = 4  # different
    loc[cpres & (lc == rc)] = 3
    loc[ppres & (lp == rp)] = 2
    loc[a_close] = 1
    loc[a_exact] = 0

    levels = np.empty((n, len(COMPARISONS)), np.int8)
    levels[:, GIVEN] = g
    levels[:, FAMILY] = f
    levels[:, DOB] = dlv
    levels[:, SEX] = _simple(lt.sex[li], rt.sex[ri])
    levels[:, NAT] = _simple(lt.nat[li], rt.nat[ri])
    levels[:, ANUM] = _simple(lt.anum[li], rt.anum[ri])
    levels[:, LOC] = loc
    levels[:, DOC] = _document_levels(lt, lt.doc[li], rt.doc[ri])
    return Pairs(li, ri, levels, swapped, dob_far)
