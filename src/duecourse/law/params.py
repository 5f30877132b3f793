"""Dated legal parameters, read from law/parameters/*.yaml (OpenFisca style: values with dates
and references). A value in force on a day is the latest version whose ``from`` is not after it.

Every version records its ``floor`` (the legal limit a deployment may never pass) and which way
of changing it ``loosens`` it (is less protective of the person): ``up`` for a deadline the
agency must meet (a longer one is looser), ``down`` for a period the person has (a shorter one is
looser). A deployment may set its own values in the file named by ``DUECOURSE_LAW_PARAMETERS``
(see ``load_overrides``); a value looser than its floor, a value of the wrong kind (see
``disallowed``), or a key the law does not have, stops the start with a message naming them."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import cache, lru_cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

OVERRIDES_ENV = "DUECOURSE_LAW_PARAMETERS"
_REQUIRED = ("from", "value", "citation", "verified", "loosens")
# What a number counts, read from its name after the first dot (CUS-48.hours,
# NTA-ADDR.court_notice_business_days, POCR.notice_days_before_review): a time is at most 100
# years of its unit, so that every day counted with it stays on the calendar.
_MOST = (("business_days", 26_100), ("hours", 876_600), ("days", 36_525))
# The values a list of options may hold (APP-30.filing_zones: where the 30th day ends, as
# ``framework.appeal_deadline`` reads them). A list of words with no entry here takes no value.
_OPTIONS: dict[str, tuple[str, ...]] = {"APP-30.filing_zones": ("board", "court")}


class MissingParameter(LookupError):
    """No value of a legal parameter is in force on a day: whatever needs it is refused."""

    def __init__(self, key: str, on: date | None = None) -> None:
        self.key = key
        self.on = on
        if on is None:
            msg = f"there is no legal parameter {key} (law/parameters)"
        else:
            msg = f"no value of the legal parameter {key} is in force on {on.isoformat()}"
        super().__init__(msg)

    def __str__(self) -> str:
        return str(self.args[0])


class ParameterError(ValueError):
    """A parameters file (the law's own, or a deployment's) is not valid; the message names the
    file, the key and what is wrong."""


@dataclass(frozen=True)
class ParamVersion:
    key: str
    effective_from: date
    value: Any
    floor: Any
    citation: str
    verified: date
    loosens: str = "up"  # "up" or "down": which way of changing the value is less protective
    deployment: bool = False  # set by the deployment's file, not by the law's


def looser(value: Any, floor: Any, loosens: str) -> bool:
    """Whether ``value`` is less protective than ``floor`` (passes the legal limit).

    Numbers compare as numbers; NaN and infinity are always looser. A list of words is a set of
    options that each protect the person (the zones in which an appeal counts as timely, say):
    with ``loosens: down`` it must keep every option of the floor; with ``up`` it may hold no
    option beyond the floor's. A list of numbers is a list of marks (the days of detention by
    which a review is due): with ``up`` every stretch between two marks of the floor must hold a
    mark of the value, so no review comes later than the floor's and none is dropped."""
    if floor is None:
        return False
    if isinstance(floor, list):
        if not isinstance(value, list):
            return True
        if floor and all(_number(f) for f in floor):
            if not all(_number(v) for v in value):
                return True
            return not _covers(value, floor) if loosens == "up" else not _covers(floor, value)
        if loosens == "down":
            return not set(floor) <= set(value)
        return not set(value) <= set(floor)
    if not _number(value):
        return True
    return bool(value > floor) if loosens == "up" else bool(value < floor)


def _number(x: Any) -> bool:
    """A finite number (not a bool, not NaN, not infinity)."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        return False
    return not isinstance(x, float) or math.isfinite(x)


def _whole(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _covers(marks: list[Any], floor: list[Any]) -> bool:
    """Whether ``marks`` has a mark in every stretch (previous mark of ``floor``, its mark]."""
    before: float = -math.inf
    for f in sorted(floor):
        if not any(before < m <= f for m in marks):
            return False
        before = f
    return True


def disallowed(key: str, value: Any, like: Any) -> str | None:
    """What ``key`` allows, when ``value`` is not of it; None when it is. ``like`` is the law's
    own default, which sets the kind:

    - a whole number: a whole number (no bool, no fraction, no NaN or infinity, no string) from 0,
      at most 100 years when it counts hours, days or business days; ``*.enabled`` is 1 or 0;
    - a list of numbers (marks): a non-empty, strictly ascending list of whole numbers from 1 (at
      most 100 years); ``*.percent`` (escalation) holds percentages up to 100 and ends with 100,
      the limit, where a clock reaches a supervisor;
    - a list of words: a non-empty list of distinct values from ``_OPTIONS``.

    Any other kind takes no value (fail closed), so a new kind needs a rule here first."""
    name = key.partition(".")[2]
    unit, most = next(((u, n) for u, n in _MOST if u in name), ("", None))
    unit = unit.replace("_", " ")
    if isinstance(like, list) and like and all(isinstance(x, str) for x in like):
        options = _OPTIONS.get(key)
        if options is None:
            return "nothing: duecourse knows no allowed values for it"
        if (isinstance(value, list) and value and len(set(map(str, value))) == len(value)
                and all(isinstance(x, str) and x in options for x in value)):
            return None
        return f"a non-empty list of distinct values from: {', '.join(options)}"
    if isinstance(like, list) and like and all(_whole(x) for x in like):
        if name == "percent":
            most, wants = 100, ("a non-empty ascending list of whole percentages from 1 to 100 "
                                "that ends with 100 (the limit, where a clock reaches a supervisor)")
        elif most is None:
            return "nothing: duecourse does not know what its numbers count"
        else:
            wants = (f"a non-empty ascending list of whole numbers of {unit} from 1 to {most:,} "
                     "(100 years)")
        if (isinstance(value, list) and value and all(_whole(x) and 1 <= x <= most for x in value)
                and all(a < b for a, b in pairwise(value))
                and (name != "percent" or value[-1] == 100)):
            return None
        return wants
    if _whole(like):
        if name == "enabled":
            return None if _whole(value) and value in (0, 1) else "1 (on) or 0 (off)"
        if _whole(value) and value >= 0 and (most is None or value <= most):
            return None
        return ("a whole number" + (f" of {unit} from 0 to {most:,} (100 years)" if most
                                    else " from 0"))
    return "nothing: duecourse does not check values of this kind"


def _version(where: str, key: str, v: Any, deployment: bool = False) -> ParamVersion:
    if not isinstance(v, Mapping):
        raise ParameterError(f"{where}: {key}: each version is a mapping "
                             "(from, value, floor, citation, verified, loosens)")
    missing = [f for f in _REQUIRED if f not in v]
    if missing:
        raise ParameterError(f"{where}: {key} (version from {v.get('from')}): missing "
                             f"{', '.join(missing)}")
    if v["loosens"] not in ("up", "down"):
        raise ParameterError(f"{where}: {key}: loosens must be 'up' or 'down', not "
                             f"{v['loosens']!r}")
    for f in ("from", "verified"):
        if not isinstance(v[f], date):
            raise ParameterError(f"{where}: {key}: {f} must be a date (YYYY-MM-DD)")
    pv = ParamVersion(key, v["from"], v["value"], v.get("floor"), str(v["citation"]),
                      v["verified"], v["loosens"], deployment)
    for what, x in (("value", pv.value), ("floor", pv.floor)):
        wrong = None if x is None and what == "floor" else disallowed(key, x, pv.value)
        if wrong:
            raise ParameterError(f"{where}: {key} (from {pv.effective_from}): the {what} {x!r} "
                                 f"is not allowed; expected {wrong}")
    if looser(pv.value, pv.floor, pv.loosens):
        raise ParameterError(f"{where}: {key} (from {pv.effective_from}): the value "
                             f"{pv.value!r} is looser than its legal floor {pv.floor!r}")
    return pv


@cache
def law_parameters() -> dict[str, tuple[ParamVersion, ...]]:
    """The law's own values, as packaged (every file of law/parameters)."""
    out: dict[str, list[ParamVersion]] = {}
    folder = resources.files("duecourse.law") / "parameters"
    for f in sorted(folder.iterdir(), key=lambda p: p.name):
        if not f.name.endswith(".yaml"):
            continue
        data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        for key, versions in data.items():
            if not isinstance(versions, list):
                raise ParameterError(f"law/parameters/{f.name}: {key}: expected a list of versions")
            for v in versions:
                out.setdefault(key, []).append(_version(f"law/parameters/{f.name}", key, v))
    return {k: tuple(sorted(vs, key=lambda v: v.effective_from)) for k, vs in out.items()}


def merge_overrides(law: Mapping[str, tuple[ParamVersion, ...]], data: Any, where: str,
                    ) -> dict[str, tuple[ParamVersion, ...]]:
    """The law's values with a deployment's on top. ``data`` maps a key to either a value (it
    replaces the value of every version of the law, from the first, so it must meet the floor of
    each: ``HOLD-12.hours: 72`` is refused, the floor being 12 before the waiver of 2025) or a
    list of ``{from, value}`` (dated versions: each holds from its day until the next version,
    the deployment's or the law's, and is checked against the floor in force on its day).
    Raises ParameterError naming every unknown key, every value not of the kind its parameter
    takes (``disallowed``) and every value looser than its floor."""
    if data is None:
        return dict(law)
    if not isinstance(data, Mapping):
        raise ParameterError(f"{where}: expected a mapping of parameter names to values")
    unknown = sorted(str(k) for k in data if k not in law)
    if unknown:
        raise ParameterError(f"{where}: unknown legal parameter(s): {', '.join(unknown)} "
                             f"(known: {', '.join(sorted(law))})")
    out = dict(law)
    problems: list[str] = []
    for key, given in data.items():
        versions = law[key]
        dated = isinstance(given, list) and bool(given) and all(isinstance(g, Mapping)
                                                                 for g in given)
        if dated:
            added: list[ParamVersion] = []
            for g in given:
                if set(g) - {"from", "value", "citation"} or "from" not in g or "value" not in g:
                    raise ParameterError(f"{where}: {key}: a dated value is "
                                         "{from: YYYY-MM-DD, value: ..., citation?: ...}")
                if not isinstance(g["from"], date):
                    raise ParameterError(f"{where}: {key}: from must be a date (YYYY-MM-DD)")
                law_now = [v for v in versions if v.effective_from <= g["from"]]
                base = law_now[-1] if law_now else versions[0]
                if not law_now:
                    problems.append(f"{key}: no law is in force on {g['from']} to set a value for")
                    continue
                added.append(replace(base, effective_from=g["from"], value=g["value"],
                                     citation=str(g.get("citation") or f"deployment ({where})"),
                                     deployment=True))
            # On the same day a deployment's version comes after the law's: it is the one used.
            merged = sorted([*versions, *added], key=lambda v: (v.effective_from, v.deployment))
        else:
            merged = [replace(v, value=given, deployment=True) for v in versions]
        undated = not dated and len(versions) > 1
        for v in merged:
            if not v.deployment:
                continue
            law_v = [lv for lv in versions if lv.effective_from <= v.effective_from][-1]
            wrong = disallowed(key, v.value, law_v.value)
            if wrong:
                problems.append(f"{key} = {v.value!r}: expected {wrong}")
            elif looser(v.value, v.floor, v.loosens):
                way = ("looser than" if isinstance(v.floor, list)
                       else "above" if v.loosens == "up" else "below")
                problems.append(f"{key} = {v.value!r} (from {v.effective_from}) is {way} its "
                                f"legal floor {v.floor!r} ({law_v.citation})"
                                + (" (a value without a date applies to every version of the "
                                   "law; to set one from a day, give [{from: YYYY-MM-DD, "
                                   "value: ...}])" if undated else ""))
        out[key] = tuple(merged)
    if problems:  # an undated value of the wrong kind is named once, not once per version
        raise ParameterError(f"{where}: " + "; ".join(dict.fromkeys(problems)))
    return out


def load_overrides(path: str | Path) -> Any:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise ParameterError(f"{OVERRIDES_ENV}={path}: cannot read it ({e.strerror})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ParameterError(f"{OVERRIDES_ENV}={path}: not valid YAML ({e})") from None


@cache
def all_parameters() -> dict[str, tuple[ParamVersion, ...]]:
    """The values in force: the law's, with the deployment's file (``DUECOURSE_LAW_PARAMETERS``)
    on top. ``check_configured`` is called at start so that a bad file stops the start."""
    law = law_parameters()
    path = os.environ.get(OVERRIDES_ENV, "").strip()
    if not path:
        return dict(law)
    return merge_overrides(law, load_overrides(path), f"{OVERRIDES_ENV}={path}")


def check_configured() -> dict[str, tuple[ParamVersion, ...]]:
    """Load and check every parameter (the law's and the deployment's); ParameterError names
    what is wrong. Called when the application starts."""
    return all_parameters()


def reset() -> None:
    """Forget the loaded parameters (tests that change ``DUECOURSE_LAW_PARAMETERS``)."""
    law_parameters.cache_clear()
    all_parameters.cache_clear()
    param.cache_clear()


@lru_cache(maxsize=4096)  # the parameters are read once and never change while running
def param(key: str, on: date) -> Any:
    """The value of ``key`` in force on ``on``; MissingParameter naming the key if there is
    none (whatever asked for it is refused, never left to crash)."""
    versions = all_parameters().get(key)
    if not versions:
        raise MissingParameter(key)
    current = [v for v in versions if v.effective_from <= on]
    if not current:
        raise MissingParameter(key, on)
    return current[-1].value
