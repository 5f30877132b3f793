"""Real text and a reason for every act (issue 15, item 2).

A legal basis, an authority, evidence or a reason made of spaces is no record of one; an act on a
person's liberty or case without a recorded reason cannot be reviewed; a person named in a
command as requester, approver or signer must hold the role the law gives that part.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from functools import cache

from ...domain.commands import COMMAND_NAMES, COMMAND_TYPES, MAY_BE_BLANK, Command
from ..framework import GuardInput, guard

# Commands that change a person's liberty or case: each records why.
REASON_COMMANDS = frozenset({
    "determine_custody", "review_custody", "place", "transfer", "release", "close_case",
})

# What a hurried clerk types instead of a reason. Compared after lowering the case and turning
# everything but letters and digits into single spaces.
PLACEHOLDERS = frozenset({
    "reason", "reasons", "no reason", "none", "nil", "null", "n a", "na", "tbd", "tba", "todo",
    "x", "xx", "xxx", "test", "testing", "other", "misc", "see file", "see notes", "see above",
    "as above", "same", "same as above", "per policy", "policy", "ok", "okay", "yes", "no",
    "default", "standard", "routine", "unknown", "various", "etc", "lorem ipsum",
})


def placeholder(text: str) -> bool:
    """Whether ``text`` says nothing: blank, no letter at all, or a stock placeholder."""
    words = " ".join(re.sub(r"[\W_]+", " ", text.casefold()).split())
    return not re.search(r"[^\W\d_]", words) or words in PLACEHOLDERS


@guard(
    "REASON", title="Every act on a person's liberty or case records its reason",
    citation="5 U.S.C. 552a(e)(5) (records used in a determination about a person kept accurate, "
             "relevant, timely and complete); duecourse policy (DESIGN.md: no action without a "
             "recorded reason)",
    protects="every custody decision, review, placement, transfer, release and closure can be "
             "reviewed for why it was made",
    confidence="K", commands=REASON_COMMANDS, effective_from="", verified="2026-12-07",
    source="duecourse (issue 15; a rule of the software: no legal effective date)",
)
def reason_given(g: GuardInput) -> str | None:
    reason = getattr(g.command, "reason", "")
    what = g.command.name.replace("_", " ")
    if not isinstance(reason, str) or not reason.strip():
        return f"a {what} must record its reason (the facts of this case it rests on)"
    if placeholder(reason):
        return (f"'{reason.strip()}' is not a reason; a {what} must say why, with the facts of "
                "this case (e.g. 'flight risk: no fixed address')")
    return None


@cache
def required_text(name: str) -> tuple[str, ...]:
    """The command's text fields that have no default: each must say something."""
    cls = COMMAND_TYPES[name]
    hints = typing.get_type_hints(cls)
    return tuple(f.name for f in dataclasses.fields(cls)
                 if f.init and f.default is dataclasses.MISSING
                 and f.default_factory is dataclasses.MISSING and hints[f.name] is str)


@guard(
    "TEXT", title="Required text is real text",
    citation="5 U.S.C. 552a(e)(5); duecourse policy (issue 15)",
    protects="a legal basis, an authority, evidence or a reason of spaces alone is never "
             "accepted as one",
    confidence="K", commands=frozenset(COMMAND_NAMES), effective_from="", verified="2026-12-07",
    source="duecourse (issue 15; a rule of the software: no legal effective date)",
)
def real_text(g: GuardInput) -> str | None:
    # Parsing refuses these already (InvalidInput "is blank"); this catches a command built in
    # code (the simulator, an importer) that never went through the parser.
    cmd: Command = g.command
    blank = [f for f in required_text(cmd.name) if (cmd.name, f) not in MAY_BE_BLANK
             and not str(getattr(cmd, f, "")).strip()]
    if blank:
        return f"{', '.join(blank)} {'is' if len(blank) == 1 else 'are'} blank; write it out"
    return None


# Who may be named in which part of a command: field -> (roles, what the part is, the law).
NAMED: dict[tuple[str, str], tuple[frozenset[str], str]] = {
    ("determine_custody", "opla_signoff"): (
        frozenset({"counsel"}), "an agency attorney (OPLA) signs off a mandatory detention"),
    ("transfer", "approved_by"): (
        frozenset({"supervisor"}), "a supervisory officer approves a transfer shortly before a "
        "hearing"),
    ("record_arrest", "location_approved_by"): (
        frozenset({"supervisor"}), "a supervisory officer approves an arrest at a protected "
        "location"),
}
# Also checked, by the rule they belong to: the requester of an I-200 (ARR-1), the agency attorney
# of a citizenship resolution (USC), the approver of an exception (exceptions.py).
_NAMING = frozenset(name for name, _ in NAMED)


@guard(
    "NAMED-ROLE", title="A person named as requester, approver or signer holds that role",
    citation="8 CFR 287.5(e) (officer classes); 8 CFR 236.1(b); 8 CFR 287.3(d); ICE Directive "
             "16001.2; duecourse role table (docs/law.md)",
    protects="an approval or sign-off is given by someone who may give it, and never by the "
             "person who acts",
    confidence="K", commands=_NAMING, effective_from="", verified="2026-12-07",
    source="duecourse (issue 15; a rule of the software: no legal effective date)",
)
def named_role(g: GuardInput) -> str | None:
    # Only what is named is checked here; whether a name is needed at all is the rule's own
    # guard (an exception needs an approver, a mandatory detention a sign-off, ...).
    name = g.command.name
    for (cmd_name, fname), (roles, part) in NAMED.items():
        if cmd_name != name:
            continue
        who = getattr(g.command, fname, "")
        if not isinstance(who, str) or not who.strip():
            continue
        role = g.role_of(who)
        if role not in roles:
            held = f"holds the role '{role}'" if role else "is not a known user"
            return f"{part}; '{who}' (named as {fname}) {held}"
        if who == g.actor.id:
            return f"{part}; the person who acts may not approve or sign off their own act"
    return None
