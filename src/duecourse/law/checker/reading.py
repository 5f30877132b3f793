"""Reading raw event data: instants, days, text, lists and codes, whatever shape they were
stored in (ISO text from JSON, or Python values from a test)."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from typing import Any

from .legal import (
    FILLER_WORDS,
    LOOKALIKE_LETTERS,
    OWN_WORD_KEYS,
    PLACEHOLDER_TEXT,
    REFERENCE_TEXT,
)


def instant(value: Any) -> datetime | None:
    """An aware UTC instant, or None for a missing or unreadable value."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        try:
            dt = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def day(value: Any) -> date | None:
    """A calendar date, or None for a missing or unreadable value."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def text(d: dict[str, Any], key: str) -> str:
    v = d.get(key)
    return v.strip() if isinstance(v, str) else ""


def items(d: dict[str, Any], key: str) -> list[str]:
    v = d.get(key)
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list | tuple | set | frozenset):
        return []
    return [str(x).strip() for x in v if str(x).strip()]


def code(value: Any) -> str:
    """A country, court or issuer code compared as the handlers write it: trimmed, upper case."""
    return str(value).strip().upper() if value is not None else ""


def codes(d: dict[str, Any], key: str) -> frozenset[str]:
    return frozenset(code(x) for x in items(d, key))


def lang(value: Any) -> str:
    """A language code: trimmed, lower case, its primary subtag ("es-MX" -> "es")."""
    return str(value).strip().lower().replace("_", "-").split("-")[0] if value else ""


def ref(value: Any) -> str:
    """A document reference compared trimmed and case-insensitively."""
    return " ".join(str(value).split()).casefold() if value is not None else ""


def when(t: datetime) -> str:
    return f"{t.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _words(value: Any) -> list[str]:
    return re.sub(r"[\W_]+", " ", value.casefold()).split() if isinstance(value, str) else []


def _plain(value: str) -> str:
    """``value`` as a reader sees it: invisible format characters dropped ("T\u200bBD" reads
    "TBD"), NFKC-folded (full-width letters as plain ones), case folded, look-alike Cyrillic and
    Greek letters and small capitals as Latin, and an abbreviation's dots dropped ("t.b.d." reads
    "tbd")."""
    shown = "".join(c for c in value if unicodedata.category(c) != "Cf")
    folded = "".join(LOOKALIKE_LETTERS.get(c, c)
                     for c in unicodedata.normalize("NFKC", shown).casefold())
    return re.sub(r"\b(?:[^\W\d_]\.)+[^\W\d_]\b",
                  lambda m: m.group(0).replace(".", ""), folded)


_PHRASE_WORDS = max(len(p.split()) for p in PLACEHOLDER_TEXT)


def _placeholders_only(words: list[str]) -> bool:
    """Words that are stock placeholders and nothing else, one after another: "tbd tbd",
    "n a tbd", "reason tbd", "please see file"; a run of x reads as "x"."""
    words = [w if w.strip("x") else "x" for w in words]
    made = {0}  # the counts of leading words made of placeholders
    for i in range(len(words)):
        if i in made:
            made.update(i + k for k in range(1, _PHRASE_WORDS + 1)
                        if " ".join(words[i:i + k]) in PLACEHOLDER_TEXT and i + k <= len(words))
    return bool(words) and len(words) in made


def _stock_phrase(words: list[str]) -> bool:
    """Stock placeholders only, as written or with single letters spaced out read as one word
    ("t b d" reads "tbd")."""
    spaced: list[str] = []
    for i, w in enumerate(words):
        if len(w) == 1 and w.isalpha() and i and len(words[i - 1]) == 1 \
                and words[i - 1].isalpha():
            spaced[-1] += w
        else:
            spaced.append(w)
    return _placeholders_only(words) or _placeholders_only(spaced)


def says_nothing(value: Any, key: str = "") -> bool:
    """Text with no letter (no letter or digit in a reference, citation or name: ``key`` in
    REFERENCE_TEXT), or stock placeholders only ("n/a", "see file", "reason: tbd"), however
    disguised: repeated, dotted, spaced out, full width, in look-alike letters or small capitals,
    split by invisible characters, or followed only by an aside in brackets or a "see ..."
    reference ("N/A (see notes)"). 5 U.S.C. 552a(e)(5)."""
    if not isinstance(value, str):
        return not _words(value)
    plain = _plain(value)
    words = _words(plain)
    if not words or _stock_phrase(words):
        return True
    if key not in REFERENCE_TEXT and not re.search(r"[^\W\d_]", " ".join(words)):
        return True  # a reason, the facts, evidence: digits alone say nothing
    bracketed = r"\(([^)]*)\)|\[([^\]]*)\]|\{([^}]*)\}"
    inside = [_words("".join(m)) for m in re.findall(bracketed, plain)]
    if inside and all(not w or w[0] == "see" or _stock_phrase(w) for w in inside) \
            and _stock_phrase(_words(re.sub(bracketed, " ", plain))):
        return True
    return "see" in words[1:] and _stock_phrase(words[:words.index("see", 1)])


def _stem(word: str) -> str:
    """A crude stem, the same for "release", "released" and "releasing"."""
    for end in ("ement", "ment", "ing", "ed", "es", "s", "e"):
        if word.endswith(end) and len(word) - len(end) >= 3:
            word = word[:-len(end)]
            break
    return word[:-1] if len(word) > 3 and word[-1] == word[-2] else word


def only_repeats(value: Any, kind: str, d: dict[str, Any], keys: tuple[str, ...] = OWN_WORD_KEYS,
                 ) -> bool:
    """Text made only of the record's own words - its kind (``released``), and the decision,
    kind, finding or exception it names - and of words that say nothing by themselves: "released"
    as the reason of a release, "emergency" as the reason of an emergency exception."""
    own = set(kind.split("_"))
    for key in keys:
        own.update(_words(d.get(key)))
    if d.get("emergency") is True:
        own.add("emergency")
    said = {_stem(w) for w in _words(value) if w not in FILLER_WORDS}
    return said <= {_stem(w) for w in own}
