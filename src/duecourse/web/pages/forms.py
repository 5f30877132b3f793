"""HTML forms for commands, generated from the command dataclasses (the same source as the API's
schema), and the way back from submitted form fields to the plain data ``parse_command`` takes."""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, Union

from starlette.datastructures import FormData

HIDDEN = {"location_type"}  # defaults that a clerk does not choose on this form
# Fields that hold a narrative, written as sentences.
NARRATIVE = {"reason_to_believe", "likely_to_escape", "evidence", "conditions", "reason",
             "exception_reason", "no_other_officer_reason", "age_basis"}


@dataclass(frozen=True)
class FormField:
    name: str  # the form control's name; "person.family_name" for a nested field
    label: str
    kind: str  # text, textarea, select, checkbox, date, datetime, list, number
    required: bool
    options: tuple[str, ...] = ()
    default: str = ""
    hint: str = ""


LABELS = {"a_number": "A-number", "vd_deadline": "Voluntary departure deadline",
          "hhs": "HHS", "nta": "NTA"}


def _label(name: str) -> str:
    last = name.split(".")[-1]
    if last in LABELS:
        return LABELS[last]
    words = last.replace("_", " ")
    return words[:1].upper() + words[1:]


def _unwrap(tp: Any) -> tuple[Any, bool]:
    """(the type without None, whether None was allowed)."""
    if typing.get_origin(tp) in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return args[0], len(args) < len(typing.get_args(tp))
    return tp, False


def _field(name: str, tp: Any, required: bool, default: Any) -> FormField:
    tp, _ = _unwrap(tp)
    if default in (dataclasses.MISSING, None):
        shown = ""
    elif isinstance(default, tuple):
        shown = ", ".join(str(d) for d in default)
    else:
        shown = str(default)
    if typing.get_origin(tp) is Literal:
        return FormField(name, _label(name), "select", required,
                         tuple(str(a) for a in typing.get_args(tp)), shown)
    if tp is bool:
        return FormField(name, _label(name), "checkbox", False,
                         default="on" if default is True else "")
    if tp is datetime:
        return FormField(name, _label(name) + " (UTC)", "datetime", required, default=shown)
    if tp is date:
        return FormField(name, _label(name), "date", required, default=shown)
    if tp is int:
        return FormField(name, _label(name), "number", required, default=shown)
    if typing.get_origin(tp) is tuple:
        return FormField(name, _label(name), "list", required, default=shown,
                         hint="separate several with commas")
    kind = "textarea" if name.split(".")[-1] in NARRATIVE else "text"
    return FormField(name, _label(name), kind, required, default=shown)


def form_fields(cls: type[Any], prefix: str = "") -> list[FormField]:
    hints = typing.get_type_hints(cls)
    out: list[FormField] = []
    for f in dataclasses.fields(cls):
        if not f.init or f.name in HIDDEN:
            continue
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp) and isinstance(tp, type):
            out.extend(form_fields(tp, prefix + f.name + "."))
            continue
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        default = f.default if f.default is not dataclasses.MISSING else None
        out.append(_field(prefix + f.name, tp, required, default))
    return out


def form_to_data(cls: type[Any], form: FormData) -> dict[str, Any]:
    """The submitted fields as plain data: empty optional fields are left out (their defaults
    apply), lists split on commas, datetimes read as UTC, checkboxes true when ticked."""
    data: dict[str, Any] = {}
    for field in form_fields(cls):
        raw = form.get(field.name)
        value = raw.strip() if isinstance(raw, str) else ""
        if field.kind == "checkbox":
            item: Any = value in ("on", "true", "1")
        elif not value:
            if not field.required:
                continue
            item = ""
        elif field.kind == "list":
            item = [v.strip() for v in value.split(",") if v.strip()]
        elif field.kind == "datetime":
            item = value if value.endswith("Z") or "+" in value else (
                value + (":00" if len(value) == 16 else "") + "Z")
        elif field.kind == "number":
            try:
                item = int(value)
            except ValueError:
                item = value  # the domain's parser names the field
        else:
            item = value
        target = data
        *parents, last = field.name.split(".")
        for p in parents:
            target = target.setdefault(p, {})
        target[last] = item
    return data
