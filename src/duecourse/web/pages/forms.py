"""HTML forms for commands, generated from the command dataclasses (the same source as the API's
schema), and the way back from submitted form fields to the plain data ``parse_command`` takes.

A field that holds a code (domain/codes.py) gets a picker that shows names and sends codes:
countries and courts a list to choose from (several countries at once where the field holds a
list), languages and issuing bodies a text box with suggestions (any ISO 639 code, and any
district court, may be typed). The domain's parser reads the code, or a name, either way."""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, Literal, Union

from starlette.datastructures import FormData

from ... import reference
from ...domain.codes import CodeKind
from ...law.guards.text import REASON_COMMANDS

HIDDEN = {"location_type"}  # defaults that a clerk does not choose on this form
# Fields that hold a narrative, written as sentences.
NARRATIVE = {"reason_to_believe", "likely_to_escape", "evidence", "conditions", "reason",
             "exception_reason", "no_other_officer_reason", "age_basis"}


@dataclass(frozen=True)
class FormField:
    name: str  # the form control's name; "person.family_name" for a nested field
    label: str
    # text, textarea, select, multiselect, checkbox, date, datetime, list, number
    kind: str
    required: bool
    options: tuple[str, ...] = ()  # the values a select offers
    default: str = ""
    hint: str = ""
    labels: tuple[str, ...] = ()  # what each option shows (its value, if none)
    picker: str = ""  # the code the field holds (country, language, court, issuer), if any
    suggestions: str = ""  # the id of the <datalist> whose entries a text box suggests

    @property
    def choices(self) -> list[tuple[str, str]]:
        """(value, what is shown) of each option."""
        if self.labels:
            return list(zip(self.options, self.labels, strict=True))
        return [(o, o.replace("_", " ")) for o in self.options]


LABELS = {"a_number": "A-number", "vd_deadline": "Voluntary departure deadline",
          "hhs": "HHS", "nta": "NTA"}


def _label(name: str) -> str:
    last = name.split(".")[-1]
    if last in LABELS:
        return LABELS[last]
    words = last.replace("_", " ")
    return words[:1].upper() + words[1:]


# ---------------------------------------------------------------------------------- pickers

# Languages of the immigration courts that ISO 639-1 has no two-letter code for (EOIR's
# statistics year book lists Mam, K'iche' and Q'anjob'al among the most frequent).
COURT_LANGUAGES = ("mam", "quc", "kjb", "knj", "ixl", "jac", "acr", "cak", "kek", "poh", "cmn",
                   "yue")


@cache
def country_choices() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(codes, "name (code)") of every ISO 3166-1 country, by name."""
    pairs = reference.country_options()
    return tuple(c for c, _ in pairs), tuple(f"{n} ({c})" for c, n in pairs)


@cache
def court_choices() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(codes, "code: city, state") of the active EOIR immigration courts, by code."""
    courts = sorted((c for c in reference.load_courts().values()
                     if c.active and c.is_court), key=lambda c: c.code)
    return (tuple(c.code for c in courts),
            tuple(f"{c.code}: {c.city.title()}, {c.state}" for c in courts))


@cache
def datalists() -> dict[str, list[tuple[str, str]]]:
    """The suggestions of the text boxes, by the <datalist>'s id: (code, name)."""
    languages = [(c, n) for c, n in reference.language_options() if len(c) == 2]
    languages += sorted(((c, reference.language_name(c)) for c in COURT_LANGUAGES),
                        key=lambda cn: cn[1])
    return {"picker-language": languages, "picker-issuer": reference.issuer_options()}


def datalists_for(field_lists: Any) -> dict[str, list[tuple[str, str]]]:
    """The <datalist>s that the fields of ``field_lists`` (lists of FormField) suggest from."""
    used = {f.suggestions for fields in field_lists for f in fields if f.suggestions}
    return {k: v for k, v in datalists().items() if k in used}


PICKER_HINTS = {
    "language": "a code or a name (es, Spanish; mam for Mam)",
    "issuer": "an immigration court (NEW), BIA, a federal court (CA3, USDC-NJ), USCIS-NEW, DHS",
}


def _code_field(name: str, kind: str, required: bool, many: bool, shown: str) -> FormField:
    label = _label(name)
    if kind in ("country", "court"):
        codes, names = country_choices() if kind == "country" else court_choices()
        if many:
            return FormField(name, label, "multiselect", required, codes, shown,
                             "choose one or several (Ctrl or ⌘ and click)", names, kind)
        return FormField(name, label, "select", required, codes, shown, labels=names,
                         picker=kind)
    hint = PICKER_HINTS[kind] + ("; separate several with commas" if many else "")
    return FormField(name, label, "list" if many else "text", required, default=shown,
                     hint=hint, picker=kind, suggestions=f"picker-{kind}")


def _unwrap(tp: Any) -> tuple[Any, bool]:
    """(the type without None, whether None was allowed)."""
    if typing.get_origin(tp) in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return args[0], len(args) < len(typing.get_args(tp))
    return tp, False


def _code_kind(tp: Any) -> str:
    """The kind of code an ``Annotated[str, CodeKind(...)]`` holds, or ""."""
    if typing.get_origin(tp) is Annotated:
        for mark in typing.get_args(tp)[1:]:
            if isinstance(mark, CodeKind):
                return mark.kind
    return ""


def _field(name: str, tp: Any, required: bool, default: Any) -> FormField:
    tp, _ = _unwrap(tp)
    if default in (dataclasses.MISSING, None):
        shown = ""
    elif isinstance(default, tuple):
        shown = ", ".join(str(d) for d in default)
    else:
        shown = str(default)
    if kind := _code_kind(tp):
        return _code_field(name, kind, required, False, shown)
    if typing.get_origin(tp) is tuple and (kind := _code_kind(typing.get_args(tp)[0])):
        return _code_field(name, kind, required, True, shown)
    if typing.get_origin(tp) is Annotated:
        tp = typing.get_args(tp)[0]
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
    hints = typing.get_type_hints(cls, include_extras=True)
    out: list[FormField] = []
    for f in dataclasses.fields(cls):
        if not f.init or f.name in HIDDEN:
            continue
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp) and isinstance(tp, type):
            out.extend(form_fields(tp, prefix + f.name + "."))
            continue
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        # REASON: the acts on a person's liberty or case ask for their reason (the law refuses
        # them without one, though the command's field has a default).
        required = required or (f.name == "reason" and getattr(cls, "name", "") in REASON_COMMANDS)
        default = f.default if f.default is not dataclasses.MISSING else None
        out.append(_field(prefix + f.name, tp, required, default))
    return out


def _items(values: list[str]) -> list[str]:
    """The entries of a list field: every value submitted, each split on commas."""
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def form_to_data(cls: type[Any], form: FormData) -> dict[str, Any]:
    """The submitted fields as plain data: empty optional fields are left out (their defaults
    apply), lists split on commas (a multiple select sends each choice), datetimes read as UTC,
    checkboxes true when ticked."""
    data: dict[str, Any] = {}
    for field in form_fields(cls):
        raw = form.get(field.name)
        value = raw.strip() if isinstance(raw, str) else ""
        if field.kind == "checkbox":
            item: Any = value in ("on", "true", "1")
        elif field.kind in ("list", "multiselect"):
            item = _items([v for v in form.getlist(field.name) if isinstance(v, str)])
            if not item and not field.required:
                continue
        elif not value:
            if not field.required:
                continue
            item = ""
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


def with_choices(fields: list[FormField], options: dict[str, list[tuple[str, str]]]
                 ) -> list[FormField]:
    """``fields`` with each field that ``options`` names made a list to choose from (the people
    a field may name, the facilities with a unit for the person): names shown, ids sent."""
    out = []
    for f in fields:
        choices = options.get(f.name)
        if choices is None:
            out.append(f)
            continue
        picker = PICKER_OF.get(f.name, "person")
        out.append(dataclasses.replace(
            f, kind="select", options=tuple(v for v, _ in choices),
            labels=tuple(s for _, s in choices), picker=picker,
            hint=f.hint or ("" if choices else NONE_TO_CHOOSE[picker])))
    return out


# The kind of picker of a field that ``with_choices`` makes a list (a person, if not here), and
# what a list with nothing to choose says.
PICKER_OF = {"facility": "facility", "stay": "stay"}
NONE_TO_CHOOSE = {"person": "no one who may be named here has an account",
                  "facility": "no facility of the catalogue has a unit for this person",
                  "stay": "no stay recorded on this case can be lifted"}


def typed_values(cls: type[Any], form: FormData) -> dict[str, str]:
    """What was entered in ``cls``'s form, to show again: each choice of a multiple select
    joined with commas, a box ticked "on" and an unticked one "" (not its default)."""
    values = {k: ", ".join(v for v in form.getlist(k) if isinstance(v, str)) for k in form}
    for f in form_fields(cls):
        if f.kind == "checkbox":
            values[f.name] = "on" if values.get(f.name) in ("on", "true", "1") else ""
    return values
