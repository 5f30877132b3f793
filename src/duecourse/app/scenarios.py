"""Scenario files: lawyer-readable cases executed against a fresh in-memory store.

The format is DESIGN.md's. Every malformed file fails with a message naming the file, the step
and the field; nothing is run from a file that does not validate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from ..domain.commands import ROLES, Actor, parse_command, parse_datetime
from ..domain.errors import InvalidInput
from ..law import guards as _guards  # noqa: F401 - importing the package registers every guard
from ..law.framework import GUARDS

TOP_KEYS = {"title", "rules", "people", "actors", "records", "closures", "steps", "notes"}
CLOSURE_KEYS = {"day", "scope", "reason", "source"}
DO_KEYS = {"at", "as", "do", "with", "expect", "citing", "key", "note"}
CHECK_KEYS = {"at", "check", "note"}
CHECK_FIELDS = {"case", "proceedings", "custody", "status", "holds", "due", "overdue", "missed",
                "met", "moot", "elapsed", "identity"}
IDENTITY_LINKS = ("auto", "new_person", "awaiting_review", "confirmed")
ACTOR_FIELDS = ("requested_by", "counsel", "exception_approved_by", "to_officer")
CHECKER = Actor("scenario-checker", "oversight", "scenario runner")


class _Loader(yaml.SafeLoader):
    """Safe YAML in which a timestamp that is not a real date (2026-13-45) stays text, so that
    validation can name its step and field; PyYAML itself would fail without saying where."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    try:
        return loader.construct_yaml_timestamp(node)  # type: ignore[arg-type]
    except ValueError:
        return loader.construct_scalar(node)  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


class ScenarioError(InvalidInput):
    """A scenario file is malformed: names the file, the step and the field."""


@dataclass
class StepResult:
    number: int
    ok: bool
    text: str


@dataclass
class ScenarioResult:
    path: str
    title: str
    steps: list[StepResult] = field(default_factory=list)
    error: str = ""

    @property
    def passed(self) -> bool:
        return not self.error and all(s.ok for s in self.steps)


def _err(path: str, where: str, fieldname: str, message: str) -> ScenarioError:
    return ScenarioError(fieldname, message, record=f"{path}: {where}")


def load_scenario(path: str) -> dict[str, Any]:
    """Parse and validate a scenario file (structure, actors, people, every command's fields)."""
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_Loader)  # _Loader is a SafeLoader
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark else "file"
        raise _err(path, line, "(yaml)", f"not valid YAML: {getattr(e, 'problem', e)}") from e
    except UnicodeDecodeError as e:
        raise _err(path, f"byte {e.start}", "(file)", "is not UTF-8 text") from None
    except OSError as e:
        raise _err(path, "file", "(file)", str(e)) from e
    except RecursionError:
        raise _err(path, "file", "(yaml)", "is nested too deeply to be a scenario") from None
    if not isinstance(data, Mapping):
        raise _err(path, "file", "(top)", "a scenario is a mapping with title, people, actors, steps")
    for k in data:
        if k not in TOP_KEYS:
            raise _err(path, "file", str(k), f"unknown key; expected one of {sorted(TOP_KEYS)}")
    for k in ("title", "steps"):
        if k not in data:
            raise _err(path, "file", k, "is required")
    rules = data.get("rules") or []
    if not _texts(rules):
        raise _err(path, "file", "rules", "expected a list of guard ids (see `duecourse law list`)")
    for rid in rules:
        if rid not in GUARDS:
            raise _err(path, "rules", str(rid), "is not a guard id (see `duecourse law list`)")
    people = data.get("people") or {}
    actors = data.get("actors") or {}
    for what, labels in (("people", people), ("actors", actors)):
        if not isinstance(labels, Mapping) or not _texts(list(labels)):
            raise _err(path, "file", what, "expected a mapping of labels (text) to their details")
    for label, a in actors.items():
        if not isinstance(a, Mapping) or a.get("role") not in ROLES:
            raise _err(path, f"actor '{label}'", "role", f"must be one of {', '.join(ROLES)}")
        clients = a.get("clients") or []
        if not _texts(clients):
            raise _err(path, f"actor '{label}'", "clients", "expected a list of person labels")
        for c in clients:
            if c not in people:
                raise _err(path, f"actor '{label}'", "clients", f"'{c}' is not a person label")
    _validate_records(path, data.get("records"))
    _validate_closures(path, data.get("closures"))
    steps = data["steps"]
    if not isinstance(steps, list) or not steps:
        raise _err(path, "file", "steps", "expected a non-empty list of steps")
    for i, step in enumerate(steps, 1):
        _validate_step(path, i, step, people, actors)
    return dict(data)


def _texts(values: Any) -> bool:
    """Whether ``values`` is a list of text (labels, ids): what YAML gives for ``[a, b]``."""
    return isinstance(values, list) and all(isinstance(v, str) for v in values)


def _label(step: Mapping[str, Any], key: str) -> Any:
    """A label written in a step, or None when it is not text (then it is no label)."""
    value = step.get(key)
    return value if isinstance(value, str) else None


def _record_rows(rows: Any) -> list[dict[str, str | None]]:
    """A scenario's records as the rows of an import (YAML dates become YYYY-MM-DD text)."""
    out = []
    for r in rows:
        out.append({str(k): (v.isoformat() if hasattr(v, "isoformat") else
                             None if v is None else str(v)) for k, v in dict(r).items()})
    return out


def _validate_records(path: str, records: Any) -> None:
    """``records``: the agency's records already on file before the first step, by source, each
    in the columns of ``duecourse identity import`` (docs/law.md)."""
    if records is None:
        return
    from ..identity import InvalidRecords, parse_rows

    if not isinstance(records, Mapping):
        raise _err(path, "records", "records", "expected a mapping of source to a list of records")
    for source, rows in records.items():
        if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
            raise _err(path, f"records.{source}", "records", "expected a list of records")
        try:
            parse_rows(_record_rows(rows), str(source))
        except InvalidRecords as e:
            p = e.problems[0]
            raise _err(path, f"records.{source} record {p.row}", p.field, p.message) from e


def _validate_closures(path: str, closures: Any) -> None:
    """``closures``: days a filing body was closed (LEGAL-DAY), recorded before the first step
    as ``duecourse calendar close`` records them."""
    if closures is None:
        return
    from .calendar import check_closure

    if not isinstance(closures, list):
        raise _err(path, "closures", "closures", "expected a list of {day, scope, reason, source}")
    for i, c in enumerate(closures, 1):
        where = f"closures item {i}"
        if not isinstance(c, Mapping):
            raise _err(path, where, "(item)", "expected a mapping of day, scope, reason, source")
        for k in c:
            if k not in CLOSURE_KEYS:
                raise _err(path, where, str(k), f"unknown key; expected {sorted(CLOSURE_KEYS)}")
        try:
            check_closure(c.get("day"), str(c.get("scope", "ALL")), str(c.get("reason", "")),
                          str(c.get("source", "")))
        except InvalidInput as e:
            raise _err(path, where, e.field, e.message) from e


def _validate_step(path: str, i: int, step: Any, people: Mapping[str, Any],
                   actors: Mapping[str, Any]) -> None:
    where = f"step {i}"
    if not isinstance(step, Mapping):
        raise _err(path, where, "(step)", "expected a mapping")
    keys = DO_KEYS if "do" in step else CHECK_KEYS if "check" in step else None
    if keys is None:
        raise _err(path, where, "do", "a step needs either 'do' or 'check'")
    for k in step:
        if k not in keys:
            raise _err(path, where, str(k), f"unknown key; a step takes {sorted(keys)}")
    if "at" not in step:
        raise _err(path, where, "at", "is required")
    try:
        parse_datetime(step["at"], "at")
    except InvalidInput as e:
        raise _err(path, where, "at", e.message) from e
    if "check" in step:
        chk = step["check"]
        if not isinstance(chk, Mapping):
            raise _err(path, where, "check", "expected a mapping")
        for k in chk:
            if k not in CHECK_FIELDS:
                raise _err(path, where, f"check.{k}", f"unknown; checks take {sorted(CHECK_FIELDS)}")
        if _label(chk, "case") not in people:
            raise _err(path, where, "check.case", f"'{chk.get('case')}' is not a person label")
        for k in CHECK_FIELDS & {"holds", "due", "overdue", "missed", "met", "moot", "elapsed"}:
            if k in chk and not (chk[k] is None or isinstance(chk[k], str) or _texts(chk[k])):
                raise _err(path, where, f"check.{k}", "expected an id, a list of ids or none")
        if "identity" in chk and chk["identity"] not in IDENTITY_LINKS:
            raise _err(path, where, "check.identity", f"must be one of {', '.join(IDENTITY_LINKS)}")
        return
    if _label(step, "as") not in actors:
        raise _err(path, where, "as", f"'{step.get('as')}' is not an actor label")
    if _label(step, "expect") not in ("accepted", "refused"):
        raise _err(path, where, "expect", "must be accepted or refused")
    if not isinstance(step["do"], str):
        raise _err(path, where, "do", "expected the name of a command")
    if not isinstance(step.get("with") or {}, Mapping):
        raise _err(path, where, "with", "expected a mapping of the command's fields")
    if not _texts(step.get("citing") or []) or not isinstance(step.get("key", ""), str):
        raise _err(path, where, "citing" if "citing" in step else "key",
                   "expected a list of guard ids" if "citing" in step else "expected text")
    body = dict(step.get("with") or {})
    case = _label(body, "case")
    body.pop("case", None)
    if step["do"] == "open_case":
        person = _label(body, "person")
        if person not in people:
            raise _err(path, where, "with.person", f"'{person}' is not a person label")
        body["person"] = people[str(person)]
    elif case not in people:
        raise _err(path, where, "with.case", f"'{case}' is not a person label")
    for f in ACTOR_FIELDS:
        if f in body and _label(body, f) not in actors:
            raise _err(path, where, f"with.{f}", f"'{body[f]}' is not an actor label")
    try:
        parse_command(str(step["do"]), body)
    except InvalidInput as e:
        fld = e.field if e.field == "do" else f"with.{e.field}"
        raise _err(path, where, fld, e.message) from e


def run_scenario(path: str, new_app: Callable[[], Any]) -> ScenarioResult:
    """Run one file in a fresh in-memory store: ``new_app()`` builds it (an entry point wires it,
    e.g. ``lambda: build_app("sqlite://", seed=0)``; the app imports no bootstrap). A file that
    is malformed in a way no check foresaw, or a run that stops, fails this file with the
    reason; it never ends the whole ``law check`` in a traceback."""
    try:
        data = load_scenario(path)
    except ScenarioError as e:
        return ScenarioResult(path, "", error=str(e))
    except Exception as e:  # a file no check foresaw fails alone, never the run
        return ScenarioResult(path, "", error=f"{path}: the file could not be read "
                              f"({type(e).__name__}: {e}); nothing was run")
    result = ScenarioResult(path, str(data["title"]))
    try:
        _run_steps(data, result, new_app)
    except Exception as e:  # as above: this file fails, the others still run
        result.error = f"{path}: the run stopped ({type(e).__name__}: {e})"
    return result


def _run_steps(data: Mapping[str, Any], result: ScenarioResult, new_app: Callable[[], Any]
               ) -> None:
    """Run a validated file's steps in a fresh in-memory store, into ``result``."""
    app = new_app()
    app.register_actor(CHECKER)
    if data.get("closures"):
        from .calendar import do_close_day

        first = parse_datetime(data["steps"][0]["at"], "at")
        keeper = Actor("scenario-calendar", "supervisor", "calendar keeper")
        for c in data["closures"]:
            do_close_day(app.ctx, c["day"], str(c.get("scope", "ALL")), str(c["reason"]),
                         str(c["source"]), keeper, first)
    if data.get("records"):
        from .identity import do_import_records, do_link

        first = parse_datetime(data["steps"][0]["at"], "at")
        for source, rows in data["records"].items():
            do_import_records(app.ctx, _record_rows(rows), str(source), at=first)
        do_link(app.ctx, at=first)
    cases: dict[str, str] = {}
    persons: dict[str, str] = {}
    actor_defs: Mapping[str, Any] = data.get("actors") or {}
    for label, a in actor_defs.items():
        app.register_actor(Actor(label, a["role"], label))
    for i, step in enumerate(data["steps"], 1):
        at = parse_datetime(step["at"], "at")
        if "check" in step:
            result.steps.append(_check(app, i, step["check"], cases, at))
            continue
        a = actor_defs[str(step["as"])]
        actor = Actor(step["as"], a["role"], step["as"],
                      tuple(persons.get(c, "") for c in a.get("clients") or []))
        body = dict(step.get("with") or {})
        label = body.pop("case", None)
        if step["do"] == "open_case":
            label = body["person"]
            body["person"] = data["people"][label]
        cmd = parse_command(step["do"], body)
        try:
            out = app.do(cmd, actor, at, case_id=cases.get(str(label)), idempotency_key=step.get("key"))
        except Exception as e:  # a crash is a failed step, reported, never a traceback
            result.steps.append(StepResult(i, False, f"{step['do']}: error {e}"))
            continue
        if out.accepted and step["do"] == "open_case":
            cases[str(label)] = str(out.case_id)
            persons[str(label)] = app.get_case(str(out.case_id), CHECKER, "oversight_audit",
                                               at).state.person_id
        result.steps.append(_judge(i, step, out.accepted, out.rule_ids, out.refusals))


def _judge(i: int, step: Mapping[str, Any], accepted: bool, ids: list[str], refusals: Any) -> StepResult:
    got = "accepted" if accepted else "refused"
    what = f"{step['as']} {step['do']}"
    citing = list(step.get("citing") or [])
    reasons = "; ".join(f"{r.rule_id}: {r.reason}" for r in refusals)
    if got != step["expect"]:
        extra = f" ({reasons})" if reasons else ""
        return StepResult(i, False, f"{what}: expected {step['expect']}, got {got}{extra}")
    missing = [c for c in citing if c not in ids]
    if missing:
        return StepResult(i, False, f"{what}: refused, but not citing {missing} ({reasons})")
    shown = f" citing {', '.join(ids)}" if ids else ""
    return StepResult(i, True, f"{what}: {got}{shown}")


def _check(app: Any, i: int, chk: Mapping[str, Any], cases: dict[str, str], at: datetime) -> StepResult:
    label = chk["case"]
    if label not in cases:
        return StepResult(i, False, f"check {label}: no case was opened for '{label}'")
    view = app.get_case(cases[label], CHECKER, "oversight_audit", at)
    f = view.facets
    states: dict[str, set[str]] = {k: set() for k in ("due", "overdue", "missed", "met", "moot", "elapsed")}
    for d in view.deadlines:
        if d.state in states:
            states[d.state].add(d.id)
    problems = []
    for k in ("proceedings", "custody", "status"):
        if k in chk and getattr(f, k) != chk[k]:
            problems.append(f"{k} is {getattr(f, k)}, expected {chk[k]}")
    if "identity" in chk and view.state.identity_link != chk["identity"]:
        problems.append(f"identity is {view.state.identity_link or 'not assessed'}, "
                        f"expected {chk['identity']}")
    sets = {"holds": set(f.holds), **states}
    for k, have in sets.items():
        if k not in chk:
            continue
        want = chk[k]
        if want == "none" or want == [] or want is None:
            if have:
                problems.append(f"{k} is {sorted(have)}, expected none")
        else:
            want_set = {want} if isinstance(want, str) else set(want)
            if not want_set <= have:
                problems.append(f"{k} is {sorted(have) or 'none'}, expected to include {sorted(want_set)}")
    text = f"check {label}: " + ("; ".join(problems) if problems else "as expected")
    return StepResult(i, not problems, text)
