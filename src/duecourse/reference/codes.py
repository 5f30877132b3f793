"""ISO 3166-1 countries and ISO 639 languages, from pycountry."""

from __future__ import annotations

import unicodedata
from functools import cache

import pycountry


def _key(text: str) -> str:
    """How two spellings are compared: trimmed, case-folded, compatibility-normalised, with
    runs of inner space made one."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@cache
def _countries() -> tuple[dict[str, str], dict[str, set[str]], dict[str, str]]:
    """(code or alpha-3 -> alpha-2, name -> alpha-2 codes that bear it, alpha-2 -> short name)."""
    codes: dict[str, str] = {}
    names: dict[str, set[str]] = {}
    short: dict[str, str] = {}
    for c in pycountry.countries:
        codes[c.alpha_2.casefold()] = c.alpha_2
        codes[c.alpha_3.casefold()] = c.alpha_2
        short[c.alpha_2] = getattr(c, "common_name", None) or c.name
        for attr in ("name", "official_name", "common_name"):
            n = getattr(c, attr, None)
            if n:
                names.setdefault(_key(n), set()).add(c.alpha_2)
    return codes, names, short


# Names people use that ISO does not list, and Kosovo, whose user-assigned code XK the United
# States and its partners use (not in ISO 3166-1).
ALIASES = {
    "kosovo": "XK", "xk": "XK", "xkx": "XK", "turkey": "TR", "burma": "MM", "ivory coast": "CI",
    "macedonia": "MK", "north macedonia": "MK", "swaziland": "SZ", "cape verde": "CV",
    "east timor": "TL", "czech republic": "CZ", "vatican": "VA", "russia": "RU",
    "laos": "LA", "syria": "SY", "iran": "IR", "vietnam": "VN", "bolivia": "BO",
    "tanzania": "TZ", "moldova": "MD", "the gambia": "GM", "gambia": "GM",
    "democratic republic of the congo": "CD", "dr congo": "CD", "drc": "CD",
    "republic of the congo": "CG", "congo-brazzaville": "CG", "congo-kinshasa": "CD",
    "south korea": "KR", "north korea": "KP", "great britain": "GB", "united kingdom": "GB",
    "usa": "US", "united states of america": "US",
}
# Names that people use for more than one country (or for a country and a U.S. state): a code
# is needed, whatever one reference table says.
AMBIGUOUS = {
    "congo": "CG or CD", "guinea": "GN, GW, GQ or PG", "korea": "KR or KP",
    "georgia": "GE (or the U.S. state)", "dominica": "DM (or DO, the Dominican Republic)",
    "niger": "NE (or NG, Nigeria)", "sudan": "SD or SS", "samoa": "WS or AS",
    "virgin islands": "VI or VG", "ireland": "IE (or Northern Ireland, GB)",
}


def country(value: str) -> str:
    """The ISO 3166-1 alpha-2 code of ``value``: a code of two or three letters in any case and
    spacing, or a name that exactly one country has ("Venezuela" -> VE). A name people use for
    more than one country ("Congo") is refused: write the code."""
    codes, names, _ = _countries()
    k = _key(value)
    if k in AMBIGUOUS:
        raise ValueError(f"'{value.strip()[:60]}' may mean {AMBIGUOUS[k]}; write the two-letter "
                         "code of the country meant")
    if k in codes:
        return codes[k]
    if k in ALIASES:
        return ALIASES[k]
    found = names.get(k, set())
    if len(found) == 1:
        return next(iter(found))
    shown = value.strip()[:60]
    if len(found) > 1:
        raise ValueError(f"'{shown}' names more than one country ({', '.join(sorted(found))}); "
                         "write its two-letter code")
    raise ValueError(f"'{shown}' is not an ISO 3166-1 country; write its two-letter code "
                     "(for example SV for El Salvador)")


def country_name(code: str) -> str:
    return "Kosovo" if code == "XK" else _countries()[2].get(code, code)


def country_options() -> list[tuple[str, str]]:
    """(code, name) of every country, by name: what a picker offers."""
    return sorted([*_countries()[2].items(), ("XK", "Kosovo")], key=lambda kv: kv[1])


@cache
def _languages() -> tuple[dict[str, str], dict[str, set[str]], dict[str, str]]:
    codes: dict[str, str] = {}
    names: dict[str, set[str]] = {}
    shown: dict[str, str] = {}
    for lang in pycountry.languages:
        code = getattr(lang, "alpha_2", None) or lang.alpha_3
        codes[lang.alpha_3.casefold()] = code
        if getattr(lang, "alpha_2", None):
            codes[lang.alpha_2.casefold()] = code
        bib = getattr(lang, "bibliographic", None)
        if bib:
            codes.setdefault(bib.casefold(), code)
        shown[code] = lang.name
        names.setdefault(_key(lang.name), set()).add(code)
    return codes, names, shown


# Names people use that ISO 639's English names do not ("Haitian" is ISO's name for Haitian
# Creole; Filipino is ISO 639-3 fil, Tagalog tl).
LANGUAGE_ALIASES = {"haitian creole": "ht", "creole (haitian)": "ht", "farsi": "fa",
                    "mandarin": "zh", "cantonese": "yue", "brazilian portuguese": "pt",
                    "k'iche'": "quc", "kiche": "quc", "q'eqchi'": "kek"}


def language(value: str) -> str:
    """The ISO 639 code of ``value`` (the two-letter code where ISO 639-1 has one, else the
    three-letter one): a code in any case, a language tag whose first part is one ("es-MX"), or
    the English name of exactly one language ("Spanish")."""
    codes, names, _ = _languages()
    k = _key(value)
    primary = k.replace("_", "-").split("-")[0] if "-" in k or "_" in k else k
    if primary in codes:
        return codes[primary]
    if k in LANGUAGE_ALIASES:
        return LANGUAGE_ALIASES[k]
    found = names.get(k, set())
    if len(found) == 1:
        return next(iter(found))
    raise ValueError(f"'{value.strip()[:60]}' is not an ISO 639 language; write its code (for "
                     "example es for Spanish, ht for Haitian Creole)")


def language_name(code: str) -> str:
    return _languages()[2].get(code, code)


def language_options() -> list[tuple[str, str]]:
    """(code, name) of the languages with a two-letter code, then the rest, by name."""
    shown = _languages()[2]
    return sorted(shown.items(), key=lambda kv: (len(kv[0]) != 2, kv[1]))
