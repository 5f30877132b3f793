"""Dated legal parameters, read from law/parameters/*.yaml (OpenFisca style: values with dates
and references). A value in force on a day is the latest version whose ``from`` is not after it.

Every version records its ``floor`` (the legal limit a deployment may never pass) and which way
of changing it ``loosens`` it (is less protective of the person): ``up`` for a deadline the
agency must meet (a longer one is looser), ``down`` for a period the person has (a shorter one is
looser). A deployment may set its own values in the file named by ``DUECOURSE_LAW_PARAMETERS``
(see ``load_overrides``); a value looser than its floor, or a key the law does not have, stops
the start with a message naming them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

OVERRIDES_ENV = "DUECOURSE_LAW_PARAMETERS"
_REQUIRED = ("from", "value", "citation", "verified", "loosens")


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

    Numbers compare as numbers. A list is a set of options that each protect the person (the
    zones in which an appeal counts as timely, say): with ``loosens: down`` it must keep every
    option of the floor; with ``up`` it may hold no option beyond the floor's."""
    if floor is None:
        return False
    if isinstance(floor, list):
        if not isinstance(value, list):
            return True
        if loosens == "down":
            return not set(floor) <= set(value)
        return not set(value) <= set(floor)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return True
    return bool(value > floor) if loosens == "up" else bool(value < floor)


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
    replaces the value of every version of the law, each checked against its own floor) or a
    list of ``{from, value}`` (dated versions: each holds from its day until the next version,
    the deployment's or the law's, and is checked against the floor in force on its day).
    Raises ParameterError naming every unknown key and every value looser than its floor."""
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
        if isinstance(given, list) and given and all(isinstance(g, Mapping) for g in given):
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
        for v in merged:
            if not v.deployment:
                continue
            if not _same_kind(v.value, versions[0].value):
                problems.append(f"{key} = {v.value!r}: expected a value like "
                                f"{versions[0].value!r}")
            elif looser(v.value, v.floor, v.loosens):
                way = "above" if v.loosens == "up" else "below"
                problems.append(f"{key} = {v.value!r} (from {v.effective_from}) is {way} its "
                                f"legal floor {v.floor!r} ({v.citation})")
        out[key] = tuple(merged)
    if problems:
        raise ParameterError(f"{where}: " + "; ".join(problems))
    return out


def _same_kind(a: Any, b: Any) -> bool:
    def kind(x: Any) -> str:
        if isinstance(x, bool):
            return "bool"
        if isinstance(x, int | float):
            return "number"
        return type(x).__name__
    return kind(a) == kind(b)


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
