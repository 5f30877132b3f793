"""The API's bodies, generated from the domain's command dataclasses so that the OpenAPI document
and the vocabulary of DESIGN.md cannot drift apart. The domain's own parser then checks every
value again and names the field of any bad one."""

from __future__ import annotations

import dataclasses
import typing
from datetime import datetime
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, create_model

from ...app.reads import CaseRow
from ...domain.commands import COMMAND_TYPES, OpenCase

_STRICT = ConfigDict(extra="forbid")


def _field_type(tp: Any) -> Any:
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return fields_model(tp)
    return tp


def fields_model(cls: type[Any]) -> type[BaseModel]:
    """A Pydantic model with the init fields of the dataclass ``cls`` (no others allowed)."""
    hints = typing.get_type_hints(cls)
    spec: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        default: Any = ... if f.default is dataclasses.MISSING else f.default
        spec[f.name] = (_field_type(hints[f.name]), default)
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


class QueueItemOut(BaseModel):
    case_id: str
    person_id: str
    person_name: str
    deadline_id: str
    title: str
    citation: str
    started_at: datetime
    due_at: datetime
    overdue: bool
    escalation: int
    urgency: str
    location: str
    facility: str


class QueuePage(PageOut):
    items: list[QueueItemOut]


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
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1000)
    label: str = Field("", max_length=200)


class TokenOut(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime


class AccountIn(BaseModel):
    model_config = _STRICT
    username: str = Field(min_length=1, max_length=64)
    role: str
    password: str | None = Field(None, max_length=1000)
    name: str = Field("", max_length=200)
    office: str = Field("", max_length=200)
    clients: list[str] = []


class AccountPatch(BaseModel):
    model_config = _STRICT
    role: str | None = None
    active: bool | None = None
    password: str | None = Field(None, max_length=1000)
    office: str | None = Field(None, max_length=200)
    clients: list[str] | None = None


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
