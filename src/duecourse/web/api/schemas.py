"""The API's bodies, generated from the domain's command dataclasses so that the OpenAPI document
and the vocabulary of DESIGN.md cannot drift apart. The domain's own parser then checks every
value again and names the field of any bad one.

What the domain cannot know is what the store can hold, so the API says it (in the document) and
checks it (a 422 naming the field, never a 500): text without the NUL character, as long as its
column at most, and dates in a range that date arithmetic cannot overflow."""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, create_model

from ...app.accounts import MAX_USERNAME, MIN_PASSWORD
from ...app.reads import CaseRow, PersonRow, QueueItem
from ...domain.commands import COMMAND_TYPES, OpenCase, Role

_STRICT = ConfigDict(extra="forbid")

# PostgreSQL's text holds no NUL character; a string that is checked at all must also be valid
# Unicode (no lone surrogate), which neither store can encode either.
NO_NUL = r"^[^\x00]*$"
NO_NUL_OR_COMMA = r"^[^\x00,]*$"  # items of a list the store keeps comma-separated
COUNTRY = r"^[A-Z]{2}$"  # ISO 3166 alpha-2, as the domain requires of a nationality
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)
IDEMPOTENCY_KEY_MAX = 128  # stored with the actor's id (at most 64) in 200 characters


def text(max_length: int | None = None, pattern: str = NO_NUL) -> Any:
    """A string type for the API: no NUL (or comma, with ``NO_NUL_OR_COMMA``), at most
    ``max_length`` characters."""
    return Annotated[str, StringConstraints(max_length=max_length, pattern=pattern)]


def _in_range(value: date) -> date:
    day = value.date() if isinstance(value, datetime) else value  # its own calendar day
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"must be between {EARLIEST} and {LATEST}")
    return value


_DATE = Annotated[date, AfterValidator(_in_range),
                  Field(description=f"a date (YYYY-MM-DD) from {EARLIEST} to {LATEST}")]
_DATETIME = Annotated[datetime, AfterValidator(_in_range), Field(
    description=f"a date and time with its time zone (2026-03-01T08:00:00Z), from {EARLIEST} to "
                f"{LATEST}")]


def _tuple_of(item: Any, max_items: int | None = None) -> Any:
    seq = tuple.__class_getitem__((item, ...))
    return seq if max_items is None else Annotated[seq, Field(max_length=max_items)]


# Fields that the store keeps in columns of a limited size (store/tables.py).
_COLUMNS: dict[tuple[str, str], Any] = {
    ("PersonData", "family_name"): text(200),
    ("PersonData", "given_name"): text(200),
    ("PersonData", "sex"): text(1),
    ("PersonData", "a_number"): text(20),
    ("PersonData", "nationalities"): _tuple_of(text(pattern=COUNTRY), 20),
    ("PersonData", "languages"): _tuple_of(text(16, NO_NUL_OR_COMMA), 10),
    ("OpenCase", "location"): text(200),
    ("Place", "facility"): text(200),
    ("Transfer", "facility"): text(200),
    ("CloseCase", "reason"): text(500),
    ("ProposeIdentityLink", "record"): text(200),
    ("ProposeIdentityLink", "reason"): text(500),
    ("ConfirmIdentityLink", "reason"): text(500),
    ("RejectIdentityLink", "reason"): text(500),
}


def _field_type(tp: Any, owner: str = "", name: str = "") -> Any:
    if (owner, name) in _COLUMNS:
        return _COLUMNS[owner, name]
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return fields_model(tp)
    if tp is str:
        return text()
    if tp is datetime:
        return _DATETIME
    if tp is date:
        return _DATE
    origin = typing.get_origin(tp)
    if origin is tuple:
        return _tuple_of(_field_type(typing.get_args(tp)[0]))
    if origin in (Union, types.UnionType):
        return Union[tuple(_field_type(a) for a in typing.get_args(tp))]  # noqa: UP007
    return tp


def fields_model(cls: type[Any]) -> type[BaseModel]:
    """A Pydantic model with the init fields of the dataclass ``cls`` (no others allowed)."""
    hints = typing.get_type_hints(cls)
    spec: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        default: Any = ... if f.default is dataclasses.MISSING else f.default
        spec[f.name] = (_field_type(hints[f.name], cls.__name__, f.name), default)
    return create_model(f"{cls.__name__}Fields", __config__=_STRICT, **spec)


def _command_model(name: str, cls: type[Any]) -> type[BaseModel]:
    fields = fields_model(cls)
    has_required = any(f.default is dataclasses.MISSING and f.init for f in dataclasses.fields(cls))
    return create_model(
        "".join(p.title() for p in name.split("_")) + "Command",
        __config__=ConfigDict(extra="forbid", populate_by_name=True),
        command=(Literal[name], ...),  # type: ignore[arg-type]
        with_=(fields if has_required else fields | None,  # type: ignore[arg-type]
               Field(... if has_required else None, alias="with",
                     description=f"the fields of {name} (DESIGN.md's vocabulary)")),
        expected_version=(int | None, Field(None, description=(
            "the case version the command was prepared against; if the case has changed since, "
            "nothing is written and the answer is 412"))),
    )


CASE_COMMAND_MODELS: dict[str, type[BaseModel]] = {
    n: _command_model(n, c) for n, c in COMMAND_TYPES.items() if c is not OpenCase}
if typing.TYPE_CHECKING:  # built at run time; to the type checker, just models
    CaseCommandBody = BaseModel
    OpenCaseBody = BaseModel
else:
    CaseCommandBody = Annotated[Union[tuple(CASE_COMMAND_MODELS.values())],  # noqa: UP007
                                Field(discriminator="command")]
    OpenCaseBody = fields_model(OpenCase)


class RefusalOut(BaseModel):
    rule: str = Field(description="the rule's id in LAW.md")
    citation: str
    reason: str = Field(description="why, in a sentence a person understands")


class OutcomeOut(BaseModel):
    accepted: bool
    command: str
    case_id: str | None
    version: int
    events: list[dict[str, Any]]
    refusals: list[RefusalOut]
    ledger_seq: int
    replayed: bool = Field(False, description="the Idempotency-Key had been seen: the stored answer")


class ErrorOut(BaseModel):
    error: str = Field(description="invalid_input, not_found, conflict, not_authenticated, "
                                   "forbidden, too_many_attempts")
    message: str
    field: str | None = None
    details: list[dict[str, Any]] = []


class PageOut(BaseModel):
    limit: int
    offset: int
    next_offset: int | None


class QueuePage(PageOut):
    items: list[QueueItem]


class CasePage(PageOut):
    items: list[CaseRow]


class DeadlineOut(BaseModel):
    id: str
    title: str
    citation: str
    kind: str
    started_at: str
    due_at: str
    fulfilled_at: str | None
    state: str
    escalation: int


class EventOut(BaseModel):
    seq: int
    kind: str
    at: datetime
    actor_id: str
    actor_role: str
    data: dict[str, Any]


class BlockedOut(BaseModel):
    command: str
    refusals: list[RefusalOut]


class CaseOut(BaseModel):
    case_id: str
    version: int
    person: dict[str, Any]
    facets: dict[str, Any]
    deadlines: list[DeadlineOut]
    events: list[EventOut]
    allowed: list[str]
    blocked: list[BlockedOut]
    identity: dict[str, Any] = Field(
        default_factory=dict, description="the person's link to the agency's records: link "
        "(auto, new_person, awaiting_review, confirmed, or empty if not assessed), record, "
        "proposal, and the candidates with probability and match-weight waterfall")


class PersonPage(PageOut):
    items: list[PersonRow]


class PersonOut(BaseModel):
    person_id: str
    person: dict[str, Any]
    cases: list[CaseRow]


class LedgerEntryOut(BaseModel):
    seq: int
    at: str
    kind: str
    actor_id: str
    actor_role: str
    purpose: str
    case_id: str
    body: dict[str, Any]
    leaf_hash: str


class LedgerPage(PageOut):
    items: list[LedgerEntryOut]


class CheckpointOut(BaseModel):
    size: int
    root_hex: str
    at: str
    key_id: str
    signature_hex: str


class CheckpointPage(PageOut):
    items: list[CheckpointOut]


class TokenIn(BaseModel):
    model_config = _STRICT
    username: str = Field(min_length=1, max_length=64, pattern=NO_NUL)
    password: str = Field(min_length=1, max_length=1000)
    label: str = Field("", max_length=200, pattern=NO_NUL)


class TokenOut(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime


PersonId = Annotated[str, StringConstraints(min_length=1, max_length=40,
                                            pattern=NO_NUL_OR_COMMA)]
Password = Annotated[str, StringConstraints(min_length=MIN_PASSWORD, max_length=1000,
                                            pattern=NO_NUL)]


class AccountIn(BaseModel):
    model_config = _STRICT
    username: str = Field(min_length=1, max_length=MAX_USERNAME, pattern=NO_NUL, description=(
        "letters, digits, '.', '-' or '_' (the actor's id is 'u-' and the user name)"))
    role: Role
    password: Password | None = Field(None, description=(
        "none: the account has no password (it cannot sign in with one)"))
    name: str = Field("", max_length=200, pattern=NO_NUL)
    office: str = Field("", max_length=200, pattern=NO_NUL)
    clients: list[PersonId] = Field([], description="person ids (an attorney's clients)")


class AccountPatch(BaseModel):
    model_config = _STRICT
    role: Role | None = None
    active: bool | None = None
    password: Password | None = None
    office: str | None = Field(None, max_length=200, pattern=NO_NUL)
    clients: list[PersonId] | None = Field(None, description="person ids (an attorney's clients)")


class AccountOut(BaseModel):
    username: str
    actor_id: str
    role: str
    name: str
    office: str
    active: bool
    clients: list[str]


class AccountPage(PageOut):
    items: list[AccountOut]


class OversightOut(BaseModel):
    refusals_by_rule: dict[str, int]
    deadlines: dict[str, dict[str, int]]
    exceptions: dict[str, int]
    reads_by_purpose: dict[str, int]
    refused_reads: int
    cases_by_custody: dict[str, int]


class MeOut(BaseModel):
    username: str
    actor_id: str
    role: str
    name: str
    office: str
    purposes: list[str]
