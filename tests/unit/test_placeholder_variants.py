"""Placeholder text in its disguises (outside review, issue 15 item 2): repeated, spelled with dots,
in full-width or look-alike letters, trailed by a parenthetical or a "see ..." reference, or a
stock phrase the lists missed. Both the guards (REASON, TEXT) and the independent checker judge
them placeholders; real short texts are not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from raw_history import RawHistory

from duecourse.bootstrap import build_app
from duecourse.domain.commands import Actor, parse_command
from duecourse.domain.events import Event
from duecourse.law.checker.reading import says_nothing
from duecourse.law.guards.text import no_token, placeholder
from duecourse.law.invariants import check_history

PLACEHOLDER_VARIANTS = [
    "Nothing to add", "None at this time", "lorem ipsum dolor sit amet",
    "N/A - N/A", "TBD TBD", "none none", "na na", "null null", "t.b.d.", "ｎ／ａ", "ＴＢＤ",
    "N/\u0410", "no reason given", "None provided", "N/A (see notes)", "see case file",
    "nothing", "unk", "asdf", "xxxx", "XXXXXXX", "x-x-x", "to be determined", "T.B.D",
    "n.a.", "N/A, see case file", "TBD - see the record", "\u0422\u0412D", "N/A [pending]",
    # outside review: a label, a pointer to the file, invisible characters, small capitals,
    # spaced-out letters, two placeholders together
    "Reason: N/A", "reason - tbd", "please see file", "refer to file", "as per file",
    "T\u200bBD", "T\u00adBD", "\u1d1b\u0299\u1d05", "T B D", "N/A TBD", "none - pending",
    "TBD; N/A", "other/unknown",
]
BASIS_VARIANTS = [*PLACEHOLDER_VARIANTS, "To Be Determined", "tbd (see notes)"]
REAL_TEXTS = [
    "236(c)", "INA 236(a)", "no fixed address", "flight risk", "fled before",
    "Other (flight risk: no fixed address)", "nothing to add; fled twice before",
    "INA 212(a)(6)(A)(i)", "8 U.S.C. 1226(a)", "no parent located", "Xavier", "unknown address "
    "in El Paso, prior failure to appear",
    "NA visa overstay", "None of the conditions apply: fled twice", "X-ray and dental records",
    "Other (flight risk)", "TBD hearing set for 3 May", "x-ray", "ID-1",
    "See file 2024-117: two prior removals",
]


@pytest.mark.parametrize("text", PLACEHOLDER_VARIANTS)
def test_guard_judges_variant_a_placeholder(text: str) -> None:
    assert placeholder(text)
    assert no_token(text)


@pytest.mark.parametrize("text", BASIS_VARIANTS)
def test_checker_judges_variant_a_placeholder(text: str) -> None:
    assert says_nothing(text)


@pytest.mark.parametrize("text", ["to be determined", "To Be Determined", "tbd (see notes)"])
def test_guard_judges_basis_variant_a_placeholder(text: str) -> None:
    assert no_token(text)


@pytest.mark.parametrize("text", REAL_TEXTS)
def test_real_text_is_not_a_placeholder(text: str) -> None:
    assert not placeholder(text)
    assert not no_token(text)
    assert not says_nothing(text)


# -- end to end --------------------------------------------------------------------------------

O1 = Actor("o1", "officer", "Officer One")
O2 = Actor("o2", "officer", "Officer Two")
T0 = datetime(2026, 7, 14, 14, tzinfo=UTC)
H = timedelta(hours=1)


def test_app_refuses_full_width_tbd_as_custody_reason() -> None:
    """A determine_custody whose reason is "ＴＢＤ" is refused by REASON or TEXT."""
    app = build_app("sqlite://", seed=5)
    for a in (O1, O2):
        app.register_actor(a)
    out = app.do(parse_command("open_case", {
        "person": {"family_name": "Example", "given_name": "Ana", "sex": "F",
                   "birth_date": "1990-01-01", "nationalities": ["GT"], "languages": ["es"]},
        "encounter": "interior", "location": "El Paso, TX",
        "legal_basis": "INA 212(a)(6)(A)(i)"}), O1, T0)
    assert out.accepted, out.refusals
    case = str(out.case_id)

    def do(at: datetime, actor: Actor, name: str, **fields: Any) -> Any:
        return app.do(parse_command(name, fields), actor, at, case_id=case)

    out = do(T0 + H, O1, "record_arrest", basis="warrantless",
             reason_to_believe="crossed between ports without inspection",
             likely_to_escape="no address in the United States")
    assert out.accepted, out.refusals
    assert do(T0 + 2 * H, O2, "record_examination").accepted
    out = do(T0 + 3 * H, O1, "determine_custody", decision="detain", authority="236(a)",
             reason="ＴＢＤ")
    assert not out.accepted
    assert {r.rule_id for r in out.refusals} & {"REASON", "TEXT"}, out.refusals
    out = do(T0 + 3 * H, O1, "determine_custody", decision="detain", authority="236(a)",
             reason="flight risk: no fixed address")
    assert out.accepted, out.refusals


def _history(reason: str) -> list[Event]:
    person = {"family_name": "Example", "given_name": "Ana", "nationalities": ["MX"],
              "languages": ["es"]}
    data: list[tuple[str, datetime, str, str, dict[str, Any]]] = [
        ("case_opened", T0, "o1", "officer", {"person_id": "P-1", "encounter": "interior",
                                             "person": person}),
        ("arrest_recorded", T0 + H, "o1", "officer", {
            "basis": "warrantless", "reason_to_believe": "overstay",
            "likely_to_escape": "no fixed address", "location_type": "public"}),
        ("custody_determined", T0 + 3 * H, "o1", "officer", {
            "decision": "detain", "authority": "INA 236(a)", "reason": reason}),
    ]
    return [Event("C-PH", i + 1, kind, at, by, role, d)
            for i, (kind, at, by, role, d) in enumerate(data)]


def test_checker_flags_history_with_full_width_tbd_reason() -> None:
    flagged = [v for v in check_history(_history("ＴＢＤ")) if v.rule == "REASON"]
    assert flagged
    assert not [v for v in check_history(_history("flight risk: no fixed address"))
                if v.rule == "REASON"]


# -- digits alone: no reason, but a reference ------------------------------------------------------

@pytest.mark.parametrize("text", ["12345", "0", "20240117", "236 / 1226"])
def test_digits_alone_are_no_reason_but_may_be_a_reference(text: str) -> None:
    """A reason or a statement needs a letter (REASON; TEXT on statements); a reference or a
    citation may be digits alone (TEXT on references) - on both sides."""
    assert placeholder(text)
    assert says_nothing(text)
    assert says_nothing(text, "reason")
    assert not no_token(text)
    for key in ("legal_basis", "authority", "provider"):
        assert not says_nothing(text, key)


ROLE_OF = {"o1": "officer", "o2": "officer", "d1": "detention"}


class Raw(RawHistory):
    ROLES = ROLE_OF
    CASE_ID = "C-DIGITS"


def _released(reason: str) -> Raw:
    person = {"family_name": "Example", "given_name": "Ana", "nationalities": ["MX"],
              "languages": ["es"]}
    h = Raw().add("case_opened", T0, person_id="P-DIGITS", encounter="interior",
                  person=person, location="El Paso, TX", legal_basis="INA 237(a)(1)(B)")
    h.add("arrest_recorded", T0 + H, basis="warrantless", reason_to_believe="overstay",
          likely_to_escape="no fixed address", location_type="public")
    h.add("custody_determined", T0 + 2 * H, decision="detain", authority="INA 236(a)",
          reason="flight risk: no fixed address")
    return h.add("released", T0 + 3 * H, by="d1", kind="recognizance",
                 conditions="report monthly", reason=reason)


def test_checker_flags_a_release_whose_reason_is_digits_alone() -> None:
    flagged = [v for v in check_history(_released("12345").events) if v.rule == "REASON"]
    assert flagged and flagged[0].event_seq == 4, flagged
    assert not [v for v in check_history(_released("no flight risk: fixed address").events)
                if v.rule == "REASON"]


def test_checker_takes_a_reference_of_digits_alone() -> None:
    """A legal basis is a citation: digits alone are one (as the guard's no_token takes them)."""
    h = _released("no flight risk: fixed address")
    opened = h.events[0]
    h.events[0] = Event(opened.case_id, opened.seq, opened.kind, opened.at, opened.actor_id,
                        opened.actor_role, {**opened.data, "legal_basis": "20240117"})
    assert not [v for v in check_history(h.events) if v.rule == "TEXT"]
    h.events[0] = Event(opened.case_id, opened.seq, opened.kind, opened.at, opened.actor_id,
                        opened.actor_role, {**opened.data, "legal_basis": "TBD; N/A"})
    assert [v for v in check_history(h.events) if v.rule == "TEXT"]
