"""A synthetic population for the simulator: invented people, never real ones.

Names come from Faker in the locale of each person's nationality (es_MX, pt_BR, en_IN, zh_CN,
fr_FR for Haiti and Senegal, ru_RU, ar_EG, …), so the store, the ledger and every page meet the
scripts and name shapes of the people duecourse serves. Nationalities are weighted roughly like the
detained population of recent years (Mexico, Central America, South America, then the rest of
the world); languages include Indigenous languages of Guatemala and Haitian Creole, so interpreter
needs show up. A small share are children (most of them unaccompanied) and a small share tell the
officer that they were born in the United States — some of them truly were.

Everything is drawn from one seeded generator and a date given by the caller: the same seed and
date always give the same people. Faker's own date helpers are not used (they read today's date).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from faker import Faker

from ..domain.person import PersonData

__all__ = ["NATIONALITIES", "Nationality", "SyntheticPerson", "generate_population"]


@dataclass(frozen=True)
class Nationality:
    """A country of nationality: ISO 3166 alpha-2 code, Faker locale for names, languages."""

    code: str
    weight: float
    locale: str
    languages: tuple[str, ...]  # most common first; ISO 639 codes
    other_languages: tuple[str, ...] = ()  # spoken instead by a minority (e.g. K'iche', Mam)
    double_surname: bool = False


# Languages are ISO 639 codes of single languages (ISO 639-3 where ISO 639-1 has none), as the
# law parses them: Nahuatl is nhe (Eastern Huasteca, the most spoken), not the collective "nah".
NATIONALITIES: tuple[Nationality, ...] = (
    Nationality("MX", 0.33, "es_MX", ("es",), ("nhe", "mix"), double_surname=True),
    Nationality("GT", 0.13, "es_MX", ("es",), ("quc", "mam", "kek"), double_surname=True),
    Nationality("HN", 0.11, "es_MX", ("es",), double_surname=True),
    Nationality("SV", 0.05, "es_MX", ("es",), double_surname=True),
    Nationality("NI", 0.03, "es_MX", ("es",), double_surname=True),
    Nationality("VE", 0.04, "es_CO", ("es",), double_surname=True),
    Nationality("CO", 0.04, "es_CO", ("es",), double_surname=True),
    Nationality("EC", 0.04, "es_CO", ("es",), ("qu",), double_surname=True),
    Nationality("CU", 0.02, "es_ES", ("es",), double_surname=True),
    Nationality("DO", 0.02, "es_ES", ("es",), double_surname=True),
    Nationality("BR", 0.03, "pt_BR", ("pt",)),
    Nationality("HT", 0.02, "fr_FR", ("ht", "fr")),
    Nationality("IN", 0.03, "en_IN", ("hi", "en"), ("pa", "gu")),
    Nationality("CN", 0.015, "zh_CN", ("zh",)),
    Nationality("RU", 0.006, "ru_RU", ("ru",)),
    Nationality("UA", 0.005, "uk_UA", ("uk", "ru")),
    Nationality("EG", 0.004, "ar_EG", ("ar",)),
    Nationality("MR", 0.006, "ar_AA", ("ar", "fr"), ("wo", "ff")),
    Nationality("SN", 0.004, "fr_FR", ("wo", "fr")),
    Nationality("PH", 0.005, "fil_PH", ("tl", "en")),
    Nationality("VN", 0.005, "vi_VN", ("vi",)),
    Nationality("BD", 0.004, "bn_BD", ("bn",)),
    Nationality("NP", 0.004, "ne_NP", ("ne",)),
    Nationality("RO", 0.003, "ro_RO", ("ro",)),
    Nationality("TR", 0.004, "tr_TR", ("tr",)),
    Nationality("GE", 0.003, "ka_GE", ("ka",)),
)

MINOR_SHARE = 0.04  # children among the people encountered
UNACCOMPANIED_SHARE = 0.7  # of the children
US_BIRTH_CLAIM_SHARE = 0.025  # people who say they were born in the United States
US_CITIZEN_SHARE_OF_CLAIMS = 0.45  # of those, how many the evidence shows to be citizens
A_NUMBER_SHARE = 0.4  # people already known to the agency (an A-number on file)

US_BIRTH_PLACES = (
    "Houston, Texas", "Los Angeles, California", "Chicago, Illinois", "Phoenix, Arizona",
    "San Antonio, Texas", "Miami, Florida", "Brownsville, Texas", "El Paso, Texas",
    "Newark, New Jersey", "Atlanta, Georgia", "Denver, Colorado", "San Juan, Puerto Rico",
)
AGE_BASES = ("birth certificate", "consular identity card", "school record",
             "the child's own statement, credible", "dental and skeletal examination")


@dataclass(frozen=True)
class SyntheticPerson:
    """One invented person and the facts of their story the simulator needs."""

    index: int
    data: PersonData
    locale: str
    minor: bool
    unaccompanied: bool
    claims_us_birth: bool
    us_citizen: bool  # what the evidence will show; only ever true for a claimant
    birth_place_claimed: str = ""
    age_basis: str = ""

    @property
    def language(self) -> str:
        return self.data.languages[0] if self.data.languages else "en"

    @property
    def nationality(self) -> str:
        return self.data.nationalities[0] if self.data.nationalities else ""


@cache
def _faker(locales: tuple[str, ...]) -> Faker:
    return Faker(list(locales))


def _name(fake: Faker, nat: Nationality, sex: str, rng: random.Random) -> tuple[str, str]:
    given = fake.first_name_female() if sex == "F" else fake.first_name_male()
    family = fake.last_name()
    if nat.double_surname and rng.random() < 0.6:
        second = fake.last_name()
        if second != family:
            family = f"{family} {second}"
    return str(family), str(given)


def _birth_date(rng: random.Random, as_of: date, minor: bool) -> date:
    if minor:
        age_days = rng.randint(6 * 365, 17 * 365 + 300)
    else:
        # Adults 18-75, most between 20 and 45.
        years = min(75.0, max(18.2, rng.lognormvariate(3.4, 0.28)))
        age_days = int(years * 365.25)
    return as_of - timedelta(days=age_days)


def _quota(n: int, share: float) -> int:
    return 0 if n < 1 else max(1, round(n * share))


def generate_population(n: int, seed: int, as_of: date) -> list[SyntheticPerson]:
    """``n`` invented people as known on ``as_of`` (ages are computed against that date)."""
    rng = random.Random(f"duecourse-population-{seed}")
    locales = tuple(sorted({nat.locale for nat in NATIONALITIES}))
    faker = _faker(locales)
    faker.seed_instance(seed)
    weights = [nat.weight for nat in NATIONALITIES]
    # Children and citizenship claimants are drawn as quotas (at least one of each in any
    # population of 2 or more), so that even a small demo meets the rules that protect them.
    order = rng.sample(range(n), n)
    n_minors = _quota(n, MINOR_SHARE)
    minors = set(order[:n_minors])
    unaccompanied = set(order[:_quota(n_minors, UNACCOMPANIED_SHARE)])
    claimants = set(order[n_minors:n_minors + _quota(n - n_minors, US_BIRTH_CLAIM_SHARE)])
    people: list[SyntheticPerson] = []
    for i in range(n):
        nat = rng.choices(NATIONALITIES, weights)[0]
        fake = faker[nat.locale]
        sex = "F" if rng.random() < 0.22 else "M"
        minor = i in minors
        family, given = _name(fake, nat, sex, rng)
        if nat.other_languages and rng.random() < 0.18:
            languages = (rng.choice(nat.other_languages), *nat.languages)
        else:
            languages = nat.languages
        claims = i in claimants
        citizen = claims and rng.random() < US_CITIZEN_SHARE_OF_CLAIMS
        a_number = str(rng.randrange(200_000_000, 330_000_000)) if rng.random() < A_NUMBER_SHARE else ""
        data = PersonData(
            family_name=family, given_name=given, birth_date=_birth_date(rng, as_of, minor),
            nationalities=(nat.code,), languages=languages, sex=sex, a_number=a_number,
        )
        people.append(SyntheticPerson(
            index=i, data=data, locale=nat.locale, minor=minor,
            unaccompanied=i in unaccompanied,
            claims_us_birth=claims, us_citizen=citizen,
            birth_place_claimed=rng.choice(US_BIRTH_PLACES) if claims else "",
            age_basis=rng.choice(AGE_BASES) if minor else "",
        ))
    return people
