"""Dated legal parameters, read from law/parameters/*.yaml (OpenFisca style: values with dates
and references). A value in force on a day is the latest version whose ``from`` is not after it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True)
class ParamVersion:
    key: str
    effective_from: date
    value: Any
    floor: Any
    citation: str
    verified: date


@cache
def all_parameters() -> dict[str, tuple[ParamVersion, ...]]:
    out: dict[str, list[ParamVersion]] = {}
    folder = resources.files("duecourse.law") / "parameters"
    for f in sorted(folder.iterdir(), key=lambda p: p.name):
        if not f.name.endswith(".yaml"):
            continue
        data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        for key, versions in data.items():
            for v in versions:
                out.setdefault(key, []).append(ParamVersion(
                    key, v["from"], v["value"], v.get("floor"), v["citation"], v["verified"],
                ))
    return {k: tuple(sorted(vs, key=lambda v: v.effective_from)) for k, vs in out.items()}


@lru_cache(maxsize=4096)  # the parameters are read once and never change while running
def param(key: str, on: date) -> Any:
    """The value of ``key`` in force on ``on``; KeyError naming the key if there is none."""
    versions = all_parameters().get(key)
    if not versions:
        raise KeyError(f"no legal parameter named {key!r} in law/parameters")
    current = [v for v in versions if v.effective_from <= on]
    if not current:
        raise KeyError(f"legal parameter {key!r} has no value in force on {on.isoformat()}")
    return current[-1].value
