"""The API's bodies, generated from the domain's command dataclasses so that the OpenAPI document
and the vocabulary of DESIGN.md cannot drift apart. The domain's own parser then checks every
value again and names the field of any bad one.

What the domain cannot know is what the store can hold, so the API says it (in the document) and
checks it (a 422 naming the field, never a 500): text without the NUL character, as long as its
column at most, and dates in a range that date arithmetic cannot overflow.

A field that holds a code (a country, a language, a court, an issuing body: domain/codes.py) is
read by the domain's own parser before it is validated, and the document lists its codes."""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from datetime import date, datetime
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    create_model,
)
from typing_extensions import TypeAliasType

from ... import reference
from ...app.accounts import MAX_USERNAME, MIN_PASSWORD
from ...app.reads import CaseRow, PersonRow, QueueItem
from ...domain import valid
from ...domain.codes import CodeKind
from ...domain.commands import COMMAND_TYPES, FIELD_LIMITS, PERSON_LIMITS, OpenCase, Role
from ...reference.issuers import ASYLUM_OFFICES

_STRICT = ConfigDict(extra="forbid")

# PostgreSQL's text holds no NUL character; a string that is checked at all must also be valid
# Unicode (no lone surrogate), which neither store can encode either.
NO_NUL = r"^[^\x00]*$"
NO_NUL_OR_COMMA = r"^[^\x00,]*$"  # items of a list the store keeps comma-separated
COUNTRY = r"^[A-Z]{2}$"  # ISO 3166-1 alpha-2, the code every country field holds
LANGUAGE = r"^[a-z]{2,3}$"  # ISO 639-1 where it has the language, else ISO 639-3
COURT = r"^[A-Z]{3}$"  # an EOIR base-city code
ISSUER = (r"^(BIA|DHS|SCOTUS|CADC|CA([1-9]|1[01])|USDC-[A-Z]{2}[NSEWMC]?|USCIS-("
          + "|".join(sorted(ASYLUM_OFFICES)) + r")|[A-Z]{3})$")
EARLIEST, LATEST = valid.EARLIEST_BIRTH, date(2199, 12, 31)  # a date may be a birth date
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


def _written(kind: str, pattern: str, example: str) -> Any:
    """A date or time given as text in its one form: JSON numbers (Unix times) and other forms
    Pydantic would read leniently ("1990-04-02T00:00:00Z" as a day) are refused, as the
    domain's parser refuses them."""
    form = re.compile(pattern)

    def before(value: Any) -> Any:
        if isinstance(value, str) and form.fullmatch(value):
            return value
        raise ValueError(f"expected a {kind} written {example}")
    return BeforeValidator(before)


_DATE = Annotated[date, _written("date", r"\d{4}-\d{2}-\d{2}", "YYYY-MM-DD"),
                  AfterValidator(_in_range),
                  Field(description=f"a date (YYYY-MM-DD) from {EARLIEST} to {LATEST}")]
_DATETIME = Annotated[datetime, _written("date and time", r"\d{4}-\d{2}-\d{2}T.+",
                                         "2026-03-01T08:00:00Z"),
                      AfterValidator(_in_range), Field(
    description=f"a date and time with its time zone (2026-03-01T08:00:00Z), from {EARLIEST} to "
                f"{LATEST}")]


def _tuple_of(item: Any, max_items: int | None = None) -> Any:
    seq = tuple.__class_getitem__((item, ...))
    return seq if max_items is None else Annotated[seq, Field(max_length=max_items)]


# ---------------------------------------------------------------------------------------------
# Code fields (domain/codes.py): what a person may write is normalised by the domain's own
# parser before the value is validated, so that "sv ", "SLV" and "El Salvador" are all SV, and
# anything that is no code is a 422 naming the field and the value. The document says which
# codes there are: an enumeration (countries, languages, courts) or a pattern (issuers, where
# any district court may be written).

def _checked_text(value: str) -> str:
    """``value`` if a store can hold it; the sentences are those of ``check_text``."""
    if "\x00" in value:
        raise ValueError("must not contain the character NUL (U+0000)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains a character that is not valid Unicode") from None
    return value


def _normalised(parse: Any) -> Any:
    def before(value: Any) -> Any:
        if not isinstance(value, str):
            return value  # the string type below says what is wrong with it
        return parse(_checked_text(value))
    return BeforeValidator(before)


def _court_codes() -> list[str]:
    out = []
    for code in sorted(reference.load_courts()):
        try:
            out.append(reference.court(code))
        except ValueError:  # pragma: no cover - a table entry the parser does not take
            continue
    return sorted(set(out))


def _code_type(name: str, parse: Any, description: str, **schema: Any) -> Any:
    """A named string type (one component of the document, referred to by every field of its
    kind) whose input ``parse`` normalises before validation."""
    return TypeAliasType(name, Annotated[str, _normalised(parse), Field(
        description=description, json_schema_extra=schema)])


CODE_TYPES: dict[str, Any] = {
    "country": _code_type(
        "CountryCode", reference.country,
        "an ISO 3166-1 alpha-2 country code. A code in any case, an alpha-3 code or the name "
        "that exactly one country has is accepted and stored as its alpha-2 code "
        "('sv ', 'SLV' and 'El Salvador' are SV)",
        enum=sorted(code for code, _ in reference.country_options()), pattern=COUNTRY),
    "language": _code_type(
        "LanguageCode", reference.language,
        "an ISO 639 language code: the two-letter ISO 639-1 code where the language has one, "
        "else the three-letter ISO 639-3 code. Any ISO 639 code, a language tag ('es-MX') or "
        "the English name of exactly one language is accepted and stored as that code",
        enum=sorted(code for code, _ in reference.language_options()), pattern=LANGUAGE),
    "court": _code_type(
        "CourtCode", reference.court,
        "an immigration court: its EOIR base-city code (NEW for Newark), in any case",
        enum=_court_codes(), pattern=COURT),
    "issuer": _code_type(
        "IssuerCode", lambda v: reference.issuer(v).code,
        "the body that issued the document: an immigration court's EOIR base-city code (NEW), "
        "BIA (the Board of Immigration Appeals), a federal court (SCOTUS, CA1 to CA11, CADC, or "
        "a district court as USDC- and the state's two letters, with N, S, E, W, M or C for its "
        "district: USDC-MA, USDC-NYS), a USCIS asylum office (USCIS-" + ", USCIS-".join(
            sorted(ASYLUM_OFFICES)) + ") or DHS; in any case",
        pattern=ISSUER, examples=["NEW", "BIA", "CA9", "USDC-NYS", "USCIS-NYC", "DHS"]),
}


def _blank_is_none(value: Any) -> Any:
    """An optional field left empty is a field not given (as ``parse_command`` has it)."""
    return None if isinstance(value, str) and not value.strip() else value


# A person's details by the product's one set of rules (domain/valid.py), documented here.
def _person_field(parse: Any, description: str, **schema: Any) -> Any:
    return Annotated[str, _normalised(parse), Field(description=description,
                                                     json_schema_extra=schema or None)]


_NAME = _person_field(valid.name, "a name: at least one letter, no control or invisible "
                      f"(format) character, at most {valid.NAME_LIMIT} characters")
_PERSON: dict[tuple[str, str], Any] = {
    ("PersonData", "family_name"): _NAME,
    ("PersonData", "given_name"): _NAME,
    ("PersonData", "sex"): _person_field(
        valid.sex, "M, F or X (as on a U.S. passport), in any case; empty when not known",
        enum=["", *valid.SEXES]),
    ("PersonData", "a_number"): _person_field(
        valid.a_number, "the letter A and 8 or 9 digits (spaces and hyphens are dropped, the A "
        "may be left out); stored as A and the digits; empty when not known",
        examples=["A208765432"]),
}


# Fields kept in columns of a limited size (store/tables.py): the domain's own limits
# (commands.FIELD_LIMITS, commands.PERSON_LIMITS), stated in the document and checked here too.
_COLUMNS: dict[tuple[str, str], Any] = {
    **{("PersonData", f): text(limit) for f, limit in PERSON_LIMITS.items()},
    **_PERSON,
    ("PersonData", "nationalities"): _tuple_of(CODE_TYPES["country"], 20),
    ("PersonData", "languages"): _tuple_of(CODE_TYPES["language"], 10),
    **{(COMMAND_TYPES[c].__name__, f): text(limit)
       for c, limits in FIELD_LIMITS.items() for f, limit in limits.items()},
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
    if origin is Annotated:
        base, *marks = typing.get_args(tp)
        for mark in marks:
            if isinstance(mark, CodeKind):
                return CODE_TYPES[mark.kind]
        return _field_type(base)
    if origin is tuple:
        return _tuple_of(_field_type(typing.get_args(tp)[0]))
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        union: Any = Union[tuple(_field_type(a) for a in args)]  # noqa: UP007
        if type(None) in args:
            return Annotated[union, BeforeValidator(_blank_is_none)]
        return union
    return tp


def fields_model(cls: type[Any]) -> type[BaseModel]:
    """A Pydantic model with the init fields of the dataclass ``cls`` (no others allowed)."""
    hints = typing.get_type_hints(cls, include_extras=True)
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
    ledger_seq: int | None = Field(None, description="the ledger entry's position, when already "
                                   "integrated (null while it waits for the sequencer)")
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


class StayOut(BaseModel):
    id: str = Field(description="the stay's reference (a motion to reopen: its receipt)")
    kind: str = Field(description="judicial, bia, ij, dhs, mtr; motion: a pending motion to "
                                  "reopen an in-absentia order, which stays removal")
    issued_by: str = Field(description="the issuing body's code ('' if not recorded)")
    start: datetime
    until: datetime | None
    lifted_at: datetime | None = Field(description="when a confirmed lifting took effect")
    in_force: bool = Field(description="in force now: any stay in force blocks removal")


class ProtectionOut(BaseModel):
    country: str = Field(description="ISO 3166-1 alpha-2: removal there is barred")
    name: str
    why: str


class PendingOut(BaseModel):
    entry: int = Field(description="the event's number: what confirm_entry and reject_entry "
                                   "name")
    kind: str
    at: datetime
    actor_id: str
    actor_role: str
    reference: str = Field(description="the reference of the document it was entered from")
    issued_by: str
    what: str = Field(description="what it does once confirmed")


class CaseOut(BaseModel):
    case_id: str
    version: int
    person: dict[str, Any]
    facets: dict[str, Any]
    deadlines: list[DeadlineOut]
    events: list[EventOut]
    allowed: list[str]
    blocked: list[BlockedOut]
    stays: list[StayOut] = Field(default_factory=list, description=(
        "every stay recorded on the case, and any pending motion to reopen that stays removal"))
    protections: list[ProtectionOut] = Field(default_factory=list, description=(
        "the countries removal to which is barred for the life of the case"))
    pending: list[PendingOut] = Field(default_factory=list, description=(
        "entries that take a protection away and have no effect until a second person "
        "confirms them against their document (PROVENANCE)"))
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
    seq: int | None = Field(description="the entry's position; null while it waits for the "
                            "sequencer")
    at: str
    kind: str
    actor_id: str
    actor_role: str
    purpose: str
    case_id: str
    body: dict[str, Any]
    leaf_hash: str
    covered: bool
    proof: Literal["covered", "not_yet"] = Field(description="covered: inside the latest "
                                                 "signed checkpoint; not_yet: written after it")


class LedgerPage(PageOut):
    items: list[LedgerEntryOut]
    total: int = Field(description="entries that match the filters")
    checkpoint_size: int = Field(description="entries the latest signed checkpoint covers")


class InclusionProofOut(BaseModel):
    type: Literal["duecourse-inclusion-proof/v1"]
    index: int = Field(description="the entry's position")
    tree_size: int = Field(description="the entries the signed checkpoint covers")
    entry: str = Field(description="the entry's canonical bytes (its leaf, RFC 6962 §2.1)")
    path: list[str] = Field(description="the audit path, base64 hashes (RFC 6962 §2.1.1)")
    checkpoint: str = Field(description="the signed checkpoint as a C2SP signed note; "
                            "`python -m duecourse.audit.standalone` checks the whole document "
                            "with the ledger's public key")


class CheckpointOut(BaseModel):
    size: int
    root_hex: str
    at: str
    key_id: str
    signature_hex: str
    note: str | None = Field(None, description="the checkpoint as a C2SP signed note, which "
                             "`duecourse audit verify --checkpoint` and the standalone verifier "
                             "check with the ledger's public key (null for checkpoints signed "
                             "before notes)")


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


CaseNumber = Annotated[str, StringConstraints(min_length=1, max_length=60,
                                              pattern=NO_NUL_OR_COMMA)]
CLIENTS = ("an attorney's clients, by the number of one of their cases (C-…, any letter case, "
           "spaces ignored); each must be a case's, and the attorney then reads that person's "
           "cases")
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
    clients: list[CaseNumber] = Field([], description=CLIENTS)
    email: str | None = Field(None, max_length=254, pattern=NO_NUL,
                              description="where reminders are mailed; none: in the app only")


class AccountPatch(BaseModel):
    model_config = _STRICT
    role: Role | None = None
    active: bool | None = None
    password: Password | None = None
    office: str | None = Field(None, max_length=200, pattern=NO_NUL)
    clients: list[CaseNumber] | None = Field(None, description=CLIENTS + " (replaces the list)")
    email: str | None = Field(None, max_length=254, pattern=NO_NUL,
                              description='where reminders are mailed; "" removes it')


class AccountOut(BaseModel):
    username: str
    actor_id: str
    role: str
    name: str
    office: str
    active: bool
    clients: list[str] = Field(description="the case numbers of an attorney's clients' cases")
    email: str | None = None


class AccountPage(PageOut):
    items: list[AccountOut]


class OversightOut(BaseModel):
    refusals_by_rule: dict[str, int]
    deadlines: dict[str, dict[str, int]]
    exceptions: dict[str, int]
    reads_by_purpose: dict[str, int]
    refused_reads: int
    cases_by_custody: dict[str, int]


class SearchTermsOut(BaseModel):
    ref: int = Field(description="the row the search's ledger entry names (``terms.ref``)")
    record: str
    terms: str = Field(description="what was searched for, as typed")
    at: str
    actor_id: str
    actor_role: str
    hmac: str = Field(description="HMAC-SHA256 of the terms, as the search's entry records it")
    intact: bool = Field(description="the terms still produce that HMAC")


class MeOut(BaseModel):
    username: str
    actor_id: str
    role: str
    name: str
    office: str
    purposes: list[str]
