"""Errors of the domain: bad input, conflicts, and refusals that explain themselves."""

from __future__ import annotations

from dataclasses import dataclass


class DuecourseError(Exception):
    """Base of every error duecourse raises on purpose."""


class InvalidInput(DuecourseError):
    """A command, scenario or import record is malformed. Names the record and the field.

    ``fields`` are the paths of every field the problem is about ("person.family_name",
    "charges[1]"): the first is ``field``; a problem of several fields at once (a person with no
    name at all) names them all, so that a form can mark each one. ``field_problems`` are every
    (path, message) found in one pass over a record's fields, the first being this one's: a
    form shows each beside its field; the API and the command line say the first."""

    def __init__(self, field: str, message: str, record: str = "", *,
                 fields: tuple[str, ...] = (),
                 field_problems: tuple[tuple[str, str], ...] = ()) -> None:
        self.field = field
        self.fields = fields or (field,)
        self.message = message
        self.record = record
        self.field_problems = field_problems or tuple((f, message) for f in self.fields)
        where = f"{record}: " if record else ""
        super().__init__(f"{where}field '{field}': {message}")


def all_problems(errors: list[InvalidInput]) -> InvalidInput:
    """One InvalidInput for the problems of several fields of one record: the first one's field
    and message (what the API and the command line say), every field's problem beside it."""
    first = errors[0]
    if len(errors) == 1:
        return first
    return InvalidInput(first.field, first.message, first.record,
                        fields=tuple(f for e in errors for f in e.fields),
                        field_problems=tuple(p for e in errors for p in e.field_problems))


class NotFound(DuecourseError):
    """A case, person or actor that the command names does not exist."""


class ConcurrencyConflict(DuecourseError):
    """Another writer changed the case first; nothing of this command was written."""

    def __init__(self, case_id: str, expected: int, actual: int) -> None:
        self.case_id = case_id
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"case {case_id} was changed by someone else while this command was prepared "
            f"(expected version {expected}, found {actual}); nothing was written — "
            "reload the case and decide again"
        )


@dataclass(frozen=True)
class RuleRefusal:
    """One rule that refused a command: its id, citation and a sentence a person understands."""

    rule_id: str
    citation: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule_id, "citation": self.citation, "reason": self.reason}
