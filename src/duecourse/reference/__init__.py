"""Reference data that commands are parsed against: ISO 3166-1 countries and ISO 639 languages
(from pycountry, the maintained packaging of the ISO tables), EOIR immigration courts (EOIR's
base-city table), the bodies that issue the documents a case records, and the time zone each
court keeps its days in.

Each parser takes what a person typed and returns the one code the law compares, or raises
``ValueError`` with a sentence that names the value; ``domain.commands`` adds the field's name.
Nothing here guesses: a name is resolved only when exactly one entry has it.
"""

from __future__ import annotations

from .codes import country, country_name, country_options, language, language_name, language_options
from .courts import Court, court_of, is_known_court, load_courts
from .issuers import Issuer, issuer, issuer_options
from .zones import court_zone, office_zone_name, zone_name

__all__ = [
    "Court", "Issuer", "country", "country_name", "country_options", "court", "court_of",
    "court_zone", "is_known_court", "issuer", "issuer_options", "language", "language_name",
    "language_options", "load_courts", "office_zone_name", "zone_name",
]


def court(value: str) -> str:
    """An EOIR base-city code, trimmed and upper-cased; ``ValueError`` if EOIR lists none."""
    found = court_of(value)
    if found is not None and not found.is_court:
        raise ValueError(f"{found.code} is {found.name.title()}, an EOIR office, not an "
                         "immigration court")
    if found is None:
        raise ValueError(f"'{value.strip()[:40]}' is not an immigration court base-city code in "
                         "EOIR's list (for example NEW, HOU, LOS)")
    return found.code
