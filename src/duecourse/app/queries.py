"""Reads. ``get_case_view`` is a read of personal data: it passes ``access_case`` and is ledgered."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from ..domain.case import CaseState, Facets, fold
from ..domain.commands import (
    COMMAND_NAMES,
    Actor,
    ClaimCitizenship,
    Classify,
    CloseCase,
    Command,
    ConfirmIdentityLink,
    DecideAppeal,
    DetermineCustody,
    FileAppeal,
    FlagMinor,
    GrantStay,
    HandOverCase,
    IssueArrestWarrant,
    IssueRemovalWarrant,
    NotifyHhs,
    Place,
    ProposeIdentityLink,
    RecordArrest,
    RecordExamination,
    RecordMedicalClearance,
    RecordRemoval,
    RejectIdentityLink,
    Release,
    ReviewCustody,
    ScheduleRemoval,
    Transfer,
    TransferToOrr,
    WaiveAppeal,
)
from ..domain.errors import RuleRefusal
from ..domain.events import Event
from ..law.calendar import Closures
from ..law.deadlines import Deadline, compute_deadlines
from ..law.framework import appeal_deadline
from ..law.rules import check_command
from ..store import repository as repo
from ..store.tables import accounts, actors
from . import ledger
from .access import AccessDenied, NotYours, access_case, ledgered_purpose, ledgered_reason, may_read_case
from .context import AppContext
from .identity import case_identity
from .pickers import PEOPLE_FIELDS
from .restricted import events_for


@dataclass(frozen=True)
class CaseView:
    case_id: str
    person: dict[str, Any]
    facets: Facets
    events: list[Event]
    deadlines: list[Deadline]
    allowed: list[str]
    blocked: dict[str, list[RuleRefusal]]
    state: CaseState
    actor_names: dict[str, str] = field(default_factory=dict)  # for the timeline
    # The person's link to the agency's records as this reader may see it (app/identity.py).
    identity: dict[str, Any] = field(default_factory=dict)
    # The office of each who acted ("City, ST" as their account says, "" if none): the case
    # page's times fall back to the opening office's zone when no court is named.
    offices: dict[str, str] = field(default_factory=dict)


def get_case_view(ctx: AppContext, case_id: str, actor: Actor, purpose: str,
                  at: datetime | None = None) -> CaseView:
    """A case as ``actor`` may read it, ledgered: with its identity candidates, each named by
    record id in the read's entry, to those who decide links (app/identity.py). A refused read
    is ledgered with its reason; to one who may not read the case at all, and for a case that
    does not exist (whose attempt is ledgered too, at the same cost), the answer is ``NotYours``."""
    at = at or ctx.clock()
    with ctx.engine.begin() as conn:
        evs = repo.load_events(conn, case_id)
        state = fold(case_id, evs) if evs else None
        denied: AccessDenied | None = None
        try:
            if state is None:
                raise AccessDenied("no such case")
            access_case(actor, state.person_id, purpose)
        except AccessDenied as e:
            # A refused read is recorded too: oversight sees the attempt, nothing is shown.
            item = ledger.LedgerItem("read_refused", at, actor.id, actor.role,
                                     case_id if state is not None else "",
                                     {"record": "case", "reason": ledgered_reason(e, purpose)},
                                     purpose=ledgered_purpose(purpose))
            denied = e
        else:  # what the page shows
            identity = case_identity(conn, state, actor)
            item = ledger.LedgerItem("read", at, actor.id, actor.role, case_id, {
                "record": "case", "case_version": state.version, "person_id": state.person_id,
                **_shown_records(identity)}, purpose=purpose)
            # (the actors an event names, only where this reader may see the field naming them)
            names = _names(conn, {e.actor_id for e in evs}
                           | _named_actors(events_for(actor, evs)))
            offices = _offices(conn, {e.actor_id for e in evs})
            closures = repo.closure_days(conn)
            allowed, blocked = actions_now(state, actor, at, repo.role_lookup(conn), closures)
        ledger.append(conn, [item], ctx.signing_key)  # on SQLite it holds the write lock: last
    if state is None or not may_read_case(actor, state.person_id):
        raise NotYours()
    if denied is not None:
        raise denied
    # 8 U.S.C. 1367 information is shown only to those entitled to it (app/restricted.py).
    return CaseView(case_id, state.person, state.facets(at, appeal_deadline(state, closures)),
                    events_for(actor, evs),
                    compute_deadlines(state, at, closures), allowed, blocked, state, names,
                    identity, offices)


def _shown_records(identity: dict[str, Any]) -> dict[str, list[str]]:
    """The other people's records a read shows (its identity candidates), by record id, for
    its ledger entry; nothing when it shows none."""
    shown = [str(c["record_id"]) for c in identity.get("candidates") or ()]
    return {"candidates": shown} if shown else {}


def _names(conn: Connection, ids: set[str]) -> dict[str, str]:
    """The names of those who acted on the case, for the timeline (not the whole actors table:
    an agency has thousands of accounts)."""
    rows = conn.execute(select(actors.c.id, actors.c.name)
                        .where(actors.c.id.in_(sorted(ids)))).all() if ids else []
    return {a.id: a.name or a.id for a in rows}


# Fields of an event that name another actor (who requested, approved or signed off), by id.
# The fields that name a person of the agency by actor id: the same that the forms' people
# pickers fill (app/pickers.py), so that the timeline names each.
ACTOR_FIELDS = tuple(PEOPLE_FIELDS)


def _named_actors(evs: list[Event]) -> set[str]:
    """The actors an event names besides its own (a requester, an approver), for the timeline."""
    return {str(e.data[f]) for e in evs for f in ACTOR_FIELDS if e.data.get(f)}


def _offices(conn: Connection, ids: set[str]) -> dict[str, str]:
    """The office of each of ``ids`` that has an account with one."""
    rows = conn.execute(select(accounts.c.actor_id, accounts.c.office)
                        .where(accounts.c.actor_id.in_(sorted(ids)))).all() if ids else []
    return {r.actor_id: r.office for r in rows if r.office}


def probe_commands(s: CaseState, at: datetime, actor_role: str = "") -> dict[str, Command]:
    """A plausible instance of each command, to ask the law which actions are open now."""
    dest = s.order.designated_country if s.order and s.order.designated_country else (
        (s.person.get("nationalities") or [""])[0])
    court = s.order.court if s.order is not None else ""
    lang = str((s.person.get("languages") or [""])[0])
    return {
        "claim_citizenship": ClaimCitizenship(evidence="(probe)"),
        "issue_arrest_warrant": IssueArrestWarrant(requested_by="(another officer)"),
        "record_arrest": RecordArrest(basis="warrant" if any(not w.used for w in s.warrants)
                                      else "warrantless", reason_to_believe="(probe)",
                                      likely_to_escape="(probe)"),
        "record_examination": RecordExamination(no_other_officer_reason="(probe)"),
        "determine_custody": DetermineCustody(decision="detain", authority="236(a)",
                                              reason="(probe)"),
        "flag_minor": FlagMinor(unaccompanied=False, age_basis="(probe)"),
        "notify_hhs": NotifyHhs(),
        "transfer_to_orr": TransferToOrr(),
        "classify": Classify(level=s.classification or "A", basis="(probe)"),  # type: ignore[arg-type]
        "place": Place(facility="(probe)", classification="A", reason="(probe)"),
        "transfer": Transfer(facility="(probe)", attorney_notified=True, reason="(probe)"),
        "waive_appeal": WaiveAppeal(
            party="dhs" if actor_role == "counsel" else "respondent",
            before=court or "NYC", language=lang or None, interpreter="" if lang else "(probe)"),
        "file_appeal": FileAppeal(),
        "decide_appeal": DecideAppeal(outcome="dismissed", issued_by="BIA", reference="(probe)",
                                      issued_on=at.date()),
        "grant_stay": GrantStay(kind="ij", issued_by=court or "NYC", reference="(probe)",
                                issued_on=at.date()),
        "issue_removal_warrant": IssueRemovalWarrant(),
        "record_medical_clearance": RecordMedicalClearance(valid_until=at.date()),
        "schedule_removal": ScheduleRemoval(destination=dest, depart_at=at + timedelta(days=1),
                                            transport="(probe)"),
        "record_removal": RecordRemoval(destination=dest),
        "release": Release(kind="supervision", reason="(probe)"),
        "review_custody": ReviewCustody(kind="pocr", finding="continue", reason="(probe)"),
        "close_case": CloseCase(reason="(probe)"),
        "propose_identity_link": ProposeIdentityLink(record=str(
            (s.identity_candidates[0] if s.identity_candidates else {}).get("record_id", ""))),
        "confirm_identity_link": ConfirmIdentityLink(),
        "reject_identity_link": RejectIdentityLink(),
        "hand_over_case": HandOverCase(to_officer="(another officer)", reason="(probe)"),
    }


# The rules that judge what a probe cannot guess (the facility named), by command.
PROBE_UNASKED: dict[str, frozenset[str]] = {"place": frozenset({"CAP"}),
                                            "transfer": frozenset({"CAP"})}


def _probe_roles(role_of: Callable[[str], str | None]) -> Callable[[str], str | None]:
    """The probes name "(another officer)" where a command names a second person (the requester
    of an I-200): an officer, for the question "is this action open now"."""
    return lambda who: "officer" if who == "(another officer)" else role_of(who)


def actions_now(s: CaseState, actor: Actor, at: datetime,
                role_of: Callable[[str], str | None], closures: Closures = frozenset(),
                ) -> tuple[list[str], dict[str, list[RuleRefusal]]]:
    allowed: list[str] = []
    blocked: dict[str, list[RuleRefusal]] = {}
    probes = probe_commands(s, at, actor.role)
    for name in COMMAND_NAMES:
        if name not in probes:
            continue
        refusals = check_command(s, probes[name], actor, at, _probe_roles(role_of), closures)
        # The probes of place and transfer name no facility: whether the catalogue has the one
        # the officer names, open and with room (CAP), is asked when the command is submitted.
        refusals = [r for r in refusals if r.rule_id not in PROBE_UNASKED.get(name, ())]
        if not refusals:
            allowed.append(name)
        elif not any(r.rule_id in ("ROLE", "LIFECYCLE") for r in refusals):
            blocked[name] = refusals
    return allowed, blocked
