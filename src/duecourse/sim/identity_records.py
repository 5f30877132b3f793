"""A household-heavy set of synthetic person records with known truth, for identity resolution.

Every person is invented. Names are drawn from Faker's name lists for the locale of the person's
nationality (weighted like the simulator's population, plus United States citizens, the people
wrongly held on record mix-ups), transliterated to Latin letters the way different clerks do it.
People live in households that share a family name and an address (about 30 % of people share
both with someone else): couples, siblings a year or more apart, twins (0.5 % of people), and
sons named after their fathers. Family members encountered together get consecutive A-numbers.

Each person has one to six records from different sources (an encounter, a court record, a prior
case file, a transfer from another custody), each with the faults real records have: typos,
nicknames, transliteration variants, a double surname written in part, names in swapped order,
day and month swapped, one digit off, a previous address, missing fields, and any letter case.
Some records carry a passport number (families applying together got consecutive numbers).

With ``flawed`` (a share, 0.01 say) some values are not valid at all, as in real agency files:
that share of records has a birth date not in the calendar (``1944-59-09``, 30 February), a
third of it a birth date thousands of years ahead (``5947-04-02``), and a third of it an A-number
cut short. The importer flags these (identity/records.py) and linkage must do without them.

Generation is vectorised over pools of names and addresses built once (Faker is not called per
record): a million records take well under a minute. The same seed gives the same records.
"""

from __future__ import annotations

import csv
import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from anyascii import anyascii
from nicknames import NickNamer

from ..identity.records import ALL_COLUMNS, Record, parse_row
from .population import NATIONALITIES

__all__ = ["SOURCES", "IdentityDataset", "generate_identity_records"]

SOURCES = ("encounter", "court", "prior_case", "transfer")
_A_NUMBER_KEPT = (0.4, 0.95, 0.95, 0.8)  # by source: how often a record carries a known A-number
PASSPORT_HELD = 0.4  # share of people who hold a passport
_PASSPORT_KEPT = (0.6, 0.1, 0.3, 0.5)  # by source: how often a holder's record carries its number
RECORDS_PER_PERSON = np.array([0.40, 0.27, 0.16, 0.09, 0.05, 0.03])  # 1..6 records
SHARED_HOUSEHOLD = 0.30  # share of people who share a family name and address with someone
TWINS = 0.005  # share of people who are one of twins
US_CITIZENS = 0.05

# Romanised Arabic names with the spellings clerks actually produce (no Faker list has them in
# Latin letters); each tuple is one name.
_ARABIC_GIVEN_M = (
    ("Mohammed", "Muhammad", "Mohamed", "Mohammad"), ("Ahmed", "Ahmad"), ("Mahmoud", "Mahmud"),
    ("Youssef", "Yusuf", "Yousef"), ("Hussein", "Husain", "Hussain"), ("Omar", "Umar"),
    ("Abdullah", "Abdallah"), ("Khaled", "Khalid"), ("Ibrahim", "Ebrahim"), ("Mustafa", "Mostafa"),
    ("Hassan", "Hasan"), ("Ali",), ("Tarek", "Tariq"), ("Walid", "Waleed"), ("Sami", "Samy"),
    ("Abdelrahman", "Abdul Rahman", "Abderrahmane"), ("Karim", "Kareem"), ("Amr", "Amro"),
    ("Salah", "Salih"), ("Osama", "Usama"), ("Yasser", "Yasir"), ("Hamza",), ("Ismail", "Ismael"),
    ("Saeed", "Said", "Sayed"), ("Nabil", "Nabeel"), ("Jamal", "Gamal"), ("Adel", "Adil"),
)
_ARABIC_GIVEN_F = (
    ("Fatima", "Fatma", "Fatimah"), ("Aisha", "Aicha", "Aysha"), ("Mariam", "Maryam", "Meriem"),
    ("Khadija", "Khadijah", "Khadidja"), ("Nour", "Noor", "Nur"), ("Layla", "Leila", "Laila"),
    ("Amina", "Aminah"), ("Salma",), ("Yasmin", "Yasmine", "Jasmin"), ("Hana", "Hanaa"),
    ("Zainab", "Zeinab", "Zaynab"), ("Rania", "Ranya"), ("Samira", "Sameera"), ("Huda", "Hoda"),
    ("Mona", "Muna"), ("Dina", "Deena"), ("Heba", "Hiba"), ("Asmaa", "Asma"),
)
_ARABIC_FAMILY = (
    ("El-Sayed", "Elsayed", "Al Sayed"), ("Abdel Aziz", "Abdelaziz", "Abdulaziz"),
    ("Hassan", "Hasan"), ("Ibrahim",), ("Mahmoud", "Mahmud"), ("Mostafa", "Mustafa"),
    ("Ould Mohamed", "Ould Mohammed"), ("Ould Ahmed", "Ould Ahmad"), ("Ba",), ("Diallo", "Jallow"),
    ("Sow", "Sao"), ("Kane",), ("Abdallah", "Abdullah"), ("Salem", "Salim"), ("Fawzy", "Fawzi"),
    ("Shaker", "Shakir"), ("Nasser", "Nasir"), ("El-Masry", "Elmasry", "Al Masri"),
    ("Haddad",), ("Khalil", "Khaleel"), ("Farouk", "Farouq"), ("Mansour", "Mansur"),
    ("Soliman", "Suleiman", "Sulayman"), ("Youssef", "Yousef", "Yusuf"), ("Ramadan", "Ramadhan"),
    ("Osman", "Othman", "Uthman"), ("Zaki", "Zaky"), ("Hamdy", "Hamdi"), ("Ashour", "Ashur"),
)

# Ways one romanisation differs from another (Dmitriy/Dmitri, Aleksandr/Alexander, Yulia/Julia).
_TRANSLIT = (("iy", "i"), ("iy", "y"), ("ii", "i"), ("ks", "x"), ("kh", "h"), ("yu", "iu"),
             ("yu", "ju"), ("ya", "ia"), ("ya", "ja"), ("zh", "j"), ("ch", "tch"), ("ei", "ey"),
             ("ey", "ei"), ("ou", "u"), ("u", "ou"), ("j", "y"), ("ph", "f"), ("ee", "i"),
             ("oo", "u"), ("ts", "tz"), ("v", "w"), ("c", "k"), ("q", "k"), ("x", "ks"))
_NON_LATIN = {"zh_CN", "ru_RU", "uk_UA", "ar_AA", "bn_BD", "ne_NP", "ka_GE", "hi_IN"}
_EN = {"en_US", "en_IN"}


@dataclass
class _Pool:
    male: list[str]
    female: list[str]
    family: list[str]
    male_w: npt.NDArray[np.float64]
    female_w: npt.NDArray[np.float64]
    family_w: npt.NDArray[np.float64]
    variants: dict[str, tuple[str, ...]]  # name → other spellings of it


def _weights(v: object) -> tuple[list[str], npt.NDArray[np.float64]]:
    if isinstance(v, dict):
        names = [str(k) for k in v]
        w = np.array([float(x) for x in v.values()])
    else:
        names = [str(x) for x in v]  # type: ignore[attr-defined]
        w = np.ones(len(names))
    return names, w / w.sum()


def _romanise(s: str) -> str:
    """Latin letters as a clerk would write them (WangXiuYing → Wang Xiuying)."""
    out = anyascii(s)
    if any(c.islower() for c in out) and any(c.isupper() for c in out[1:]) and " " not in out:
        # Pinyin from anyascii runs syllables together with capitals: keep them as one word.
        out = out[0] + out[1:].lower()
    return out.title() if out.islower() else out


@cache
def _pool(locale: str) -> _Pool:
    if locale == "ar":
        variants: dict[str, tuple[str, ...]] = {}
        lists = []
        for group in (_ARABIC_GIVEN_M, _ARABIC_GIVEN_F, _ARABIC_FAMILY):
            lists.append([g[0] for g in group])
            for g in group:
                variants[g[0]] = g[1:]
        w = [np.ones(len(x)) / len(x) for x in lists]
        return _Pool(lists[0], lists[1], lists[2], w[0], w[1], w[2], variants=variants)
    mod = None
    for loc in (locale, "en_US"):
        try:
            mod = importlib.import_module(f"faker.providers.person.{loc}")
            break
        except ModuleNotFoundError:
            continue
    assert mod is not None
    p = mod.Provider
    male, mw = _weights(p.first_names_male)
    female, fw = _weights(p.first_names_female)
    family, famw = _weights(p.last_names)
    if locale in _NON_LATIN:
        male, female, family = ([_romanise(x) for x in lst] for lst in (male, female, family))
    return _Pool(male, female, family, mw, fw, famw, {})


@dataclass
class IdentityDataset:
    """Records as CSV-shaped text columns, with each record's true person."""

    columns: dict[str, list[str]]  # ALL_COLUMNS → text per record
    sources: list[str]
    person: npt.NDArray[np.int64]  # true person index per record
    household: npt.NDArray[np.int64]  # household index per record
    twin: npt.NDArray[np.bool_]  # the record's person is a twin
    as_of: date = date(2026, 1, 1)  # the day the records were drawn (no one is born after it)

    def __len__(self) -> int:
        return len(self.sources)

    def rows(self) -> Iterator[dict[str, str]]:
        cols = self.columns
        for i in range(len(self)):
            yield {c: cols[c][i] for c in ALL_COLUMNS}

    def records(self, today: date | None = None) -> list[Record]:
        """As the importer reads them (``identity.records.parse_row``): a value that is not
        valid flagged and left out (a birth date after ``today``, by default the day they were
        drawn, is in the future)."""
        day = today or self.as_of
        return [parse_row(row, src, day) for row, src in zip(self.rows(), self.sources,
                                                             strict=True)]

    def write_csv(self, path: str | Path) -> None:
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(ALL_COLUMNS)
            cols = [self.columns[c] for c in ALL_COLUMNS]
            w.writerows(zip(*cols, strict=True))


def _typo(s: str, rng: np.random.Generator) -> str:
    if len(s) < 3:
        return s
    i = int(rng.integers(1, len(s)))  # clerks seldom get the first letter wrong
    kind = int(rng.integers(0, 4))
    letters = "abcdefghijklmnopqrstuvwxyz"
    c = letters[int(rng.integers(0, 26))]
    if kind == 0:
        return s[:i] + c + s[i + 1:]
    if kind == 1:
        return s[:i] + s[i + 1:]
    if kind == 2:
        return s[:i] + c + s[i:]
    if i < len(s) - 1:
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    return s[:i] + c


def _translit(s: str, rng: np.random.Generator, variants: dict[str, tuple[str, ...]]) -> str:
    if variants.get(s):
        v = variants[s]
        return v[int(rng.integers(0, len(v)))]
    low = s.lower()
    options = [(a, b) for a, b in _TRANSLIT if a in low[1:]]
    if not options:
        return s
    a, b = options[int(rng.integers(0, len(options)))]
    k = low.find(a, 1)
    out = low[:k] + b + low[k + len(a):]
    return out[:1].upper() + out[1:]


def _case(s: str, r: float) -> str:
    if r < 0.3:
        return s.upper()
    if r < 0.4:
        return s.lower()
    return s


_NICK: NickNamer | None = None


def _nickname(s: str, rng: np.random.Generator) -> str:
    global _NICK
    if _NICK is None:
        _NICK = NickNamer()
    nicks = sorted(_NICK.nicknames_of(s.lower()))
    if not nicks:
        return s
    return nicks[int(rng.integers(0, len(nicks)))].title()


def _addresses(n: int, rng: np.random.Generator) -> tuple[list[str], list[str], list[str]]:
    """n invented US addresses (street names from Faker's lists; city and ZIP real places)."""
    import zipcodes
    from faker.providers.person.en_US import Provider as Names

    list_all: Callable[[], list[dict[str, Any]]] = zipcodes.list_all  # the package has no annotations
    places = [z for z in list_all() if z["zip_code_type"] == "STANDARD" and z["active"]]
    streets = [str(x) for x in Names.last_names] + [str(x) for x in list(Names.first_names_female)[:200]]
    suffixes = ["St", "Ave", "Rd", "Dr", "Ln", "Blvd", "Ct", "Way", "Pl", "Street", "Avenue"]
    # Buildings: a tenth of addresses are flats in a shared building, told apart by number.
    n_build = max(1, n // 10)
    b_street = rng.integers(0, len(streets), n_build)
    b_suffix = rng.integers(0, len(suffixes), n_build)
    b_num = rng.integers(1, 9999, n_build)
    b_place = rng.integers(0, len(places), n_build)
    in_build = rng.random(n) < 0.1
    which = rng.integers(0, n_build, n)
    street = np.where(in_build, b_street[which], rng.integers(0, len(streets), n))
    suffix = np.where(in_build, b_suffix[which], rng.integers(0, len(suffixes), n))
    num = np.where(in_build, b_num[which], rng.integers(1, 9999, n))
    place = np.where(in_build, b_place[which], rng.integers(0, len(places), n))
    apt = rng.integers(1, 400, n)
    addr = [f"{num[i]} {streets[street[i]]} {suffixes[suffix[i]]}" + (f" Apt {apt[i]}" if in_build[i] else "")
            for i in range(n)]
    city = [str(places[p]["city"]).title() for p in place]
    zipc = [str(places[p]["zip_code"]) for p in place]
    return addr, city, zipc


def _document_numbers(person: npt.NDArray[np.int64], hh_of: npt.NDArray[np.int64],
                      pos: npt.NDArray[np.int64], src: npt.NDArray[np.int64],
                      rng: np.random.Generator) -> list[str]:
    """Passport numbers as the records carry them (drawn after everything else, so the other
    fields are the same as without them).

    Some people hold a passport; a family that applied together got consecutive numbers (one
    typo away from each other: why only an exact number lifts the household vetoes). A record
    carries the number when its source saw the passport; some carry an earlier passport's
    number (renewed), a few a typo or two characters swapped, and clerks copy spaces as printed.
    """
    n_persons = len(hh_of)
    has = rng.random(n_persons) < PASSPORT_HELD
    n_hh = int(hh_of.max()) + 1 if n_persons else 0
    together = rng.random(n_hh) < 0.5
    base = rng.integers(10_000_000, 99_000_000, n_hh)
    own = rng.integers(10_000_000, 99_999_999, n_persons)
    number = np.where(together[hh_of], base[hh_of] + pos, own)
    letter = rng.integers(0, 26, n_persons)
    earlier = rng.integers(10_000_000, 99_999_999, n_persons)
    n = len(person)
    r = rng.random((n, 3))
    kept = np.array(_PASSPORT_KEPT)[src]
    out = [""] * n
    for i in np.nonzero(has[person] & (r[:, 0] < kept))[0].tolist():
        p = int(person[i])
        num = int(earlier[p]) if r[i, 1] < 0.05 else int(number[p])
        text = f"{chr(65 + int(letter[p]))}{num:08d}"
        if r[i, 1] > 0.99:  # one digit mistyped
            k = int(rng.integers(1, len(text)))
            text = text[:k] + str((int(text[k]) + int(rng.integers(1, 10))) % 10) + text[k + 1:]
        elif r[i, 1] > 0.985:  # two digits swapped
            k = int(rng.integers(1, len(text) - 1))
            text = text[:k] + text[k + 1] + text[k] + text[k + 2:]
        out[i] = f"{text[:1]} {text[1:]}" if r[i, 2] < 0.2 else text
    return out


def _flaw(cols: dict[str, list[str]], share: float, rng: np.random.Generator) -> None:
    """Values that are not valid, as real files hold them: ``share`` of records get a birth
    date not in the calendar (a month 13 to 59, or 30 February), a third of that share one
    thousands of years ahead, and a third of it (of those with one) an A-number cut short."""
    n = len(cols["record_id"])
    births, anums = cols["birth_date"], cols["a_number"]
    for i in np.nonzero(rng.random(n) < share)[0].tolist():
        b = births[i] or "1980-06-15"
        births[i] = (f"{b[:5]}{int(rng.integers(13, 60))}{b[7:]}" if rng.random() < 0.8
                     else f"{b[:4]}-02-30")
    for i in np.nonzero(rng.random(n) < share / 3)[0].tolist():
        if births[i][:4].isdigit():
            births[i] = f"{int(births[i][:4]) + 4000}{births[i][4:]}"
    for i in np.nonzero(rng.random(n) < share / 3)[0].tolist():
        if anums[i]:
            anums[i] = anums[i][:-3]


def generate_identity_records(n_records: int, seed: int = 0, *, as_of: date = date(2026, 1, 1),
                              id_prefix: str = "R", flawed: float = 0.0) -> IdentityDataset:
    """About ``n_records`` invented records (exactly that many) with their true persons;
    ``flawed``: the share of records with a value that is not valid (see the module)."""
    rng = np.random.default_rng(seed)
    k = RECORDS_PER_PERSON
    n_persons = max(1, int(n_records / float((np.arange(1, len(k) + 1) * k).sum())) + 1)

    # --- people and households ---
    nat_codes = [nat.code for nat in NATIONALITIES] + ["US"]
    nat_locale = [("ar" if nat.locale.startswith("ar") else nat.locale) for nat in NATIONALITIES]
    nat_locale += ["en_US"]
    nat_double = [nat.double_surname for nat in NATIONALITIES] + [False]
    w = np.array([nat.weight for nat in NATIONALITIES])
    w = np.r_[w / w.sum() * (1 - US_CITIZENS), US_CITIZENS]

    # Household sizes: singles, and families of 2-5 holding SHARED_HOUSEHOLD of the people.
    sizes: list[int] = []
    people = 0
    while people < n_persons:
        in_family = rng.random() < SHARED_HOUSEHOLD / 2.6  # 2.6: the mean size of a family
        s = int(rng.choice([2, 3, 4, 5], p=[.45, .3, .17, .08])) if in_family else 1
        sizes.append(s)
        people += s
    hh_size = np.array(sizes)
    n_hh = len(hh_size)
    n_persons = int(hh_size.sum())
    hh_of = np.repeat(np.arange(n_hh), hh_size)
    pos = np.arange(n_persons) - np.repeat(np.cumsum(hh_size) - hh_size, hh_size)  # 0 = head

    hh_nat = rng.choice(len(nat_codes), n_hh, p=w)
    nat = hh_nat[hh_of]
    sex = np.where(rng.random(n_persons) < 0.45, 1, 0)  # 1 = F
    # Ages: heads 18-70; partner (pos 1 of a family of 2+, half the time) near the head's age;
    # the rest children or siblings of the head, 1-6 years apart, born 18-40 years after the head.
    head_age = rng.lognormal(3.45, 0.3, n_hh)
    out = (head_age < 18.5) | (head_age > 75)  # redrawn, not clipped: no crowd born on one day
    head_age[out] = rng.uniform(18.5, 75, int(out.sum()))
    head_age *= 365.25
    as_of_ord = as_of.toordinal()
    head_birth = (as_of_ord - head_age).astype(np.int64)
    partner = (pos == 1) & (rng.random(n_persons) < 0.5)
    sex = np.where(partner, 1 - sex[np.maximum(np.arange(n_persons) - 1, 0)], sex)
    birth = head_birth[hh_of].copy()
    birth[partner] += rng.integers(-6 * 365, 6 * 365, int(partner.sum()))
    child = (pos >= 1) & ~partner
    gen_gap = rng.integers(18 * 365, 40 * 365, n_hh)[hh_of]
    spacing = rng.integers(370, 6 * 365, n_persons)
    birth[child] = head_birth[hh_of[child]] + gen_gap[child] + pos[child] * spacing[child]
    # Children born after as_of would be fiction: clip them into the past.
    birth = np.minimum(birth, as_of_ord - rng.integers(30, 3650, n_persons))
    # Twins: a child shares the birth date of the child before it.
    twin = np.zeros(n_persons, dtype=bool)
    cand = np.nonzero(child & (pos >= 2))[0]
    n_twin_pairs = min(len(cand), round(TWINS * n_persons / 2))
    pick = rng.choice(cand, n_twin_pairs, replace=False)
    birth[pick] = birth[pick - 1]
    twin[pick] = twin[pick - 1] = True

    # Names: drawn in bulk per locale from the pools.
    given: list[str] = [""] * n_persons
    family_hh: list[str] = [""] * n_hh
    rnd = rng.random((n_persons, 4))
    locs = np.array([nat_locale.index(nat_locale[c]) for c in range(len(nat_codes))])
    hh_loc = locs[hh_nat]
    for li in np.unique(hh_loc).tolist():
        pool = _pool(nat_locale[li])
        hs = np.nonzero(hh_loc == li)[0]
        f1 = rng.choice(len(pool.family), len(hs), p=pool.family_w)
        f2 = rng.choice(len(pool.family), len(hs), p=pool.family_w)
        dbl = np.array([nat_double[c] for c in hh_nat[hs]]) & (rng.random(len(hs)) < 0.7) & (f1 != f2)
        for h, a, b2, d2 in zip(hs.tolist(), f1.tolist(), f2.tolist(), dbl.tolist(), strict=True):
            family_hh[h] = f"{pool.family[a]}|{pool.family[b2]}" if d2 else pool.family[a]
        ps = np.nonzero(hh_loc[hh_of] == li)[0]
        for lst, pw, want in ((pool.female, pool.female_w, 1), (pool.male, pool.male_w, 0)):
            sel = ps[sex[ps] == want]
            g1 = rng.choice(len(lst), len(sel), p=pw)
            g2 = rng.choice(len(lst), len(sel), p=pw)
            two = np.array([nat_double[c] for c in nat[sel]], dtype=bool) & (rnd[sel, 0] < 0.25) & (g1 != g2)
            for i, a, b2, t2 in zip(sel.tolist(), g1.tolist(), g2.tolist(), two.tolist(), strict=True):
                given[i] = f"{lst[a]} {lst[b2]}" if t2 else lst[a]  # a second given name (María José)
    family = [family_hh[h] for h in hh_of.tolist()]
    # A son named after his father: a tenth of families with a son.
    for i in np.nonzero(child & (sex == 0) & (rnd[:, 1] < 0.1))[0].tolist():
        head = i - int(pos[i])
        if sex[head] == 0:
            given[i] = given[head]
    # Twins get different names (as twins do); a same-sex twin may still, by chance, sound alike.
    for i in pick.tolist():
        if given[i] == given[i - 1]:
            pool = _pool(nat_locale[nat[i]])
            lst = pool.female if sex[i] else pool.male
            given[i] = lst[(lst.index(given[i].split(" ")[0]) + 1) % len(lst)]

    # A-numbers: half of people; a household's members get consecutive numbers.
    has_a = rng.random(n_persons) < 0.5
    a_base = rng.integers(10_000_000, 330_000_000, n_hh)
    a_num = a_base[hh_of] + pos

    # Addresses: each household one, each person perhaps a previous one.
    addr, city, zipc = _addresses(n_hh + n_persons, rng)
    prev = n_hh + np.arange(n_persons)

    # --- records ---
    counts = rng.choice(np.arange(1, len(k) + 1), n_persons, p=k)
    person = np.repeat(np.arange(n_persons), counts)[:n_records]
    if len(person) < n_records:  # top up with more records of random people
        extra = rng.integers(0, n_persons, n_records - len(person))
        person = np.sort(np.r_[person, extra])
    n = n_records
    r = rng.random((n, 24))
    src = rng.integers(0, len(SOURCES), n)
    cols: dict[str, list[str]] = {c: [""] * n for c in ALL_COLUMNS}
    out_given, out_family, out_birth = cols["given_name"], cols["family_name"], cols["birth_date"]
    out_sex, out_nat, out_addr = cols["sex"], cols["nationality"], cols["address"]
    out_city, out_pc, out_a = cols["city"], cols["postcode"], cols["a_number"]
    width = len(str(n))
    cols["record_id"] = [f"{id_prefix}{i:0{width}d}" for i in range(n)]
    persons = person.tolist()
    for i in range(n):
        p = persons[i]
        ri = r[i]
        loc = nat_locale[nat[p]]
        pool = _pool(loc)
        g, f = given[p], family[p]
        # Given name.
        if loc in _EN and ri[0] < 0.12:
            g = _nickname(g, rng)
        if (loc in _NON_LATIN or loc == "ar") and ri[1] < 0.3:
            g = _translit(g, rng, pool.variants)
        if " " in g and ri[2] < 0.3:
            g = g.split(" ")[0]
        if ri[3] < 0.05:
            g = _typo(g, rng)
        # Family name (a double surname is kept as "first|second" until written).
        if "|" in f and ri[4] < 0.3:
            f = f.split("|")[0]
        elif "|" in f and ri[4] < 0.4:
            f = f.replace("|", "-")
        f = f.replace("|", " ")
        if (loc in _NON_LATIN or loc == "ar") and ri[5] < 0.3:
            f = _translit(f, rng, pool.variants)
        if ri[6] < 0.05:
            f = _typo(f, rng)
        if ri[7] < 0.01:
            g = ""
        elif ri[7] < 0.02:
            g = g[:1]
        if ri[8] < 0.01:
            f = ""
        if ri[9] < 0.04:
            g, f = f, g
        if ri[10] < 0.5:
            g, f = anyascii(g), anyascii(f)  # accents dropped
        cr = ri[11]
        out_given[i], out_family[i] = _case(g, cr), _case(f, cr)
        # Birth date.
        b = date.fromordinal(int(birth[p]))
        y, mo, d = b.year, b.month, b.day
        bd = ri[12]
        if bd < 0.03:
            out_birth[i] = ""
        else:
            if bd < 0.08 and d <= 12 and d != mo:
                mo, d = d, mo
            elif bd < 0.10:
                d = min(28, d + (1 if d < 28 else -1)) if ri[13] < 0.5 else d
                if ri[13] >= 0.5:
                    y = y + (1 if (y % 10) < 9 else -1)
            elif bd < 0.11:
                y += 1 if ri[13] < 0.5 else -1
            if d == 29 and mo == 2 and (y % 4 or (y % 100 == 0 and y % 400)):
                y = b.year  # a year change that would make 29 February of a common year
            out_birth[i] = f"{y:04d}-{mo:02d}-{d:02d}"
        # Sex, nationality.
        sx = "F" if sex[p] else "M"
        if ri[14] < 0.03:
            sx = ""
        elif ri[14] < 0.033:
            sx = "M" if sx == "F" else "F"
        out_sex[i] = sx
        if ri[15] < 0.08:
            out_nat[i] = ""
        elif ri[15] < 0.09:  # a second nationality, or a clerk's mistake
            out_nat[i] = nat_codes[int(rng.integers(0, len(nat_codes)))]
        else:
            out_nat[i] = nat_codes[nat[p]]
        # A-number.
        # Court records and prior case files are filed under the A-number; transfers usually
        # carry it; a new encounter often has not looked it up yet.
        if has_a[p] and ri[16] < _A_NUMBER_KEPT[src[i]]:
            a = int(a_num[p])
            if ri[17] < 0.005:
                a += int(rng.integers(1, 9)) * 10 ** int(rng.integers(0, 8))
            out_a[i] = f"A{a:09d}" if ri[18] < 0.7 else f"{a:09d}"
        # Location: current address, a previous one, or none.
        lr = ri[19]
        if lr < 0.70:
            h = int(hh_of[p])
        elif lr < 0.85:
            h = int(prev[p])
        else:
            h = -1
        if h >= 0:
            a_txt = addr[h]
            if ri[20] < 0.03:
                a_txt = _typo(a_txt, rng)
            out_addr[i] = a_txt.upper() if cr < 0.3 else a_txt
            out_city[i] = city[h]
            out_pc[i] = "" if ri[21] < 0.1 else zipc[h]
        elif ri[22] < 0.5:
            out_city[i] = city[int(hh_of[p])]
    cols["document_number"] = _document_numbers(person, hh_of, pos, src, rng)
    if flawed:  # drawn apart, so that the valid values are those of the same seed without
        _flaw(cols, flawed, np.random.default_rng([seed, 16]))
    return IdentityDataset(cols, [SOURCES[s] for s in src.tolist()], person.astype(np.int64),
                           hh_of[person].astype(np.int64), twin[person], as_of)

