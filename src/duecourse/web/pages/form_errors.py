"""Bad input on a form, said beside the field it is about, in words a clerk understands.

The domain's InvalidInput names the field paths it is about ("person.sex", "charges[1]") and says
what is wrong in the words the API and the command line show ("is 6 characters long; at most 1").
A form shows each problem beside its field, under the field's own label, rewritten for the person
who typed it ("Sex: use one letter — F, M or X"). A problem that names no field of the form is
shown at the top of the form."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from ...domain.errors import InvalidInput
from .forms import FormField


@dataclass
class FormErrors:
    """What was wrong with a submitted form: a sentence per form field, and the rest."""

    by_field: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)


# What a clerk reads for a field whatever its error: the fields whose rule is best said whole.
FIELD_WORDS = {
    "person.sex": "use one letter — F, M or X",
    "person.a_number": "an A-number is the letter A and 8 or 9 digits (A123456789)",
}

# (the domain's words, what a clerk reads): the first pattern that matches the message wins.
# ``{example}`` is a date written as a form wants it.
Rewrite = Callable[[re.Match[str], FormField, date], str]
REWRITES: list[tuple[re.Pattern[str], Rewrite]] = [
    (re.compile(r"^is required$"), lambda m, f, d: "required; fill it in"),
    (re.compile(r"^is blank"), lambda m, f, d: "required; write what it is, not only spaces"),
    (re.compile(r"is not one of"), lambda m, f, d: "choose one of the options offered"),
    (re.compile(r"is not a date and time"),
     lambda m, f, d: f"not a date and time; write it as {d.isoformat()} 09:30 (UTC)"),
    (re.compile(r"is not a date"), lambda m, f, d: f"not a date; write it as {d.isoformat()}"),
    (re.compile(r"is not between (\d+) and (\d+)"),
     lambda m, f, d: f"the year must be between {m[1]} and {m[2]}"),
    (re.compile(r"expected a whole number"),
     lambda m, f, d: "not a whole number; write digits only (1500)"),
    (re.compile(r"is (\d+) characters long; at most (\d+)"),
     lambda m, f, d: f"too long: {m[1]} characters, and at most {m[2]} are kept"),
    (re.compile(r"NUL character|not valid Unicode|control or format character"),
     lambda m, f, d: "holds a character that cannot be recorded; type it again"),
    (re.compile(r"^holds no letter$"), lambda m, f, d: "a name needs at least one letter"),
    (re.compile(r"^a person needs at least one name$"),
     lambda m, f, d: "give a family name or a given name (at least one)"),
]


def plain_words(message: str, f: FormField, example: date) -> str:
    """The domain's message about ``f`` as a clerk reads it (the message itself if no rewrite
    fits: the code pickers' messages are written for people already)."""
    if f.name in FIELD_WORDS:
        return FIELD_WORDS[f.name]
    for pattern, rewrite in REWRITES:
        if m := pattern.search(message):
            return rewrite(m, f, example)
    return message


def _form_name(path: str, names: set[str]) -> str | None:
    """The form field a domain path is about: ``charges[1]`` is the ``charges`` box."""
    name = re.sub(r"\[\d+\]", "", path)
    return name if name in names else None


def form_errors(e: InvalidInput, fields: Sequence[FormField], example: date) -> FormErrors:
    """``e`` placed on the form made of ``fields``: each field it names gets a sentence under
    its label; a problem of a field the form does not show goes to the top."""
    by_name = {f.name: f for f in fields}
    out = FormErrors()
    for path, message in e.field_problems:
        name = _form_name(path, set(by_name))
        if name is None:
            out.general.append(f"{path}: {message}")
        elif name not in out.by_field:  # the first problem of a list's entries
            f = by_name[name]
            label = f.label.removesuffix(" (UTC)")
            out.by_field[name] = f"{label}: {plain_words(message, f, example)}"
    return out
