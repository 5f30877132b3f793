"""Real text and a reason for every act (issue 15, item 2).

A legal basis, an authority, evidence or a reason made of spaces is no record of one; an act on a
person's liberty or case without a recorded reason cannot be reviewed; a person named in a
command as requester, approver or signer must hold the role the law gives that part.
"""

from __future__ import annotations

import dataclasses
import re
import typing
import unicodedata
from functools import cache

from ...domain.commands import COMMAND_NAMES, COMMAND_TYPES, MAY_BE_BLANK, Command
from ..framework import GuardInput, guard

# Commands that change a person's liberty or case: each records why.
REASON_COMMANDS = frozenset({
    "determine_custody", "review_custody", "place", "transfer", "release", "close_case",
})

# What a hurried clerk types instead of a reason, a fact or a reference. Compared after folding
# (``_folded``: compatibility forms, look-alike letters, dotted abbreviations) and turning
# everything but letters and digits into single spaces; a run of x is compared as "x". A text
# made only of these, one after another, is one ("Reason: N/A", "none - pending").
PLACEHOLDERS = frozenset({
    "reason", "reasons", "no reason", "none", "nil", "null", "n a", "na", "tbd", "tba", "tbc",
    "todo", "x", "test", "testing", "other", "misc", "see file", "see notes",
    "see above", "see attached", "see attachment", "attached", "see record", "see report",
    "see narrative", "as above", "same", "same as above", "per policy", "policy", "ok", "okay",
    "yes", "no", "default", "standard", "routine", "unknown", "not known", "not applicable",
    "not given", "not provided", "none given", "pending", "to follow", "later", "various", "etc",
    "blank", "empty", "dummy", "placeholder", "lorem ipsum", "lorem ipsum dolor sit amet",
    "nothing to add", "nothing to report", "none at this time", "not at this time", "nil return",
    "no reason given", "no reason provided", "none provided", "not stated", "none stated",
    "see case file", "see the case file", "see the file", "see the record", "see the notes",
    "nothing", "unk", "asdf", "qwerty", "to be determined", "to be confirmed", "to be advised",
    # a pointer to the file instead of its facts ("please see file", "refer to file", "as per
    # file"): with ``_stock`` reading a text of several of these as one
    "see", "please", "please see", "refer to", "refer to the", "as per", "per", "file",
    "the file", "case file", "the case file", "notes", "the notes", "record", "the record",
})
# Cyrillic and Greek letters that look like Latin ones, mapped to the Latin letter they pass for
# ("N/\u0410" with a Cyrillic A is "N/A"); applied after case folding, so each lower-case form
# maps to the letter its capital resembles.
CONFUSABLES = str.maketrans({
    "\u0430": "a", "\u0432": "b", "\u0435": "e", "\u0451": "e", "\u0456": "i",
    "\u0458": "j", "\u043a": "k", "\u043c": "m", "\u043d": "h", "\u043e": "o",
    "\u0440": "p", "\u0441": "c", "\u0455": "s", "\u0442": "t", "\u0443": "y",
    "\u0445": "x", "\u04cf": "l",
    "\u03b1": "a", "\u03b2": "b", "\u03b5": "e", "\u03b7": "h", "\u03b9": "i",
    "\u03ba": "k", "\u03bc": "m", "\u03bd": "n", "\u03bf": "o", "\u03c1": "p",
    "\u03c4": "t", "\u03c5": "y", "\u03c7": "x", "\u03b6": "z",
    # small capitals ("\u1d1b\u0299\u1d05" is "tbd"), which neither NFKC nor case folding maps
    "\u1d00": "a", "\u1d01": "ae", "\u0299": "b", "\u1d03": "b", "\u1d04": "c", "\u1d05": "d",
    "\u1d06": "d", "\u1d07": "e", "\ua730": "f", "\u0262": "g", "\u029c": "h", "\u026a": "i",
    "\u1d0a": "j", "\u1d0b": "k", "\u029f": "l", "\u1d0c": "l", "\u1d0d": "m", "\u0274": "n",
    "\u1d0e": "n", "\u1d0f": "o", "\u1d10": "o", "\u1d15": "ou", "\u1d18": "p", "\ua7af": "q",
    "\u0280": "r", "\u1d19": "r", "\u1d1a": "r", "\ua731": "s", "\u1d1b": "t", "\u1d1c": "u",
    "\u1d20": "v", "\u1d21": "w", "\u028f": "y", "\u1d22": "z",
})
_ABBREVIATION = re.compile(r"(?<![^\W\d_])(?:[^\W\d_]\.)+[^\W\d_](?![^\W\d_])")
_ASIDE = re.compile(r"[(\[{][^)\]}]*[)\]}]")  # a parenthetical: "(see notes)", "[pending]"
_RUN_OF_X = re.compile(r"x+")
_LONGEST = max(len(p.split()) for p in PLACEHOLDERS)  # words in the longest placeholder


def _folded(text: str) -> str:
    """``text`` as it reads: invisible format characters (soft hyphen, zero-width space) dropped,
    compatibility forms folded (NFKC: full-width "\uff34\uff22\uff24" is
    "TBD"), case folded, look-alike letters as the Latin ones, and the dots of an abbreviation
    dropped ("t.b.d." is "tbd")."""
    visible = "".join(c for c in text if unicodedata.category(c) != "Cf")  # "T\u200bBD" is "TBD"
    folded = unicodedata.normalize("NFKC", visible).casefold().translate(CONFUSABLES)
    return _ABBREVIATION.sub(lambda m: m.group().replace(".", ""), folded)


def _words(text: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", text.casefold()).split())


def _joined(words: list[str]) -> list[str]:
    """``words`` with each run of single letters joined into one word ("t b d" is "tbd")."""
    out: list[str] = []
    single = False
    for w in words:
        letter = len(w) == 1 and w.isalpha()
        if letter and single:
            out[-1] += w
        else:
            out.append(w)
        single = letter
    return out


def _only_placeholders(words: list[str]) -> bool:
    """Whether ``words`` are one stock placeholder after another ("tbd tbd", "n a tbd", "reason
    tbd", "please see file"): a text made only of these says nothing."""
    n = len(words)
    ends = [True] + [False] * n  # ends[i]: words[:i] is made of placeholders
    for i in range(n):
        if ends[i]:
            for k in range(1, min(_LONGEST, n - i) + 1):
                if " ".join(words[i:i + k]) in PLACEHOLDERS:
                    ends[i + k] = True
    return n > 0 and ends[n]


def _stock(words: list[str]) -> bool:
    """Whether ``words`` are stock placeholders only: one, one said over and over ("TBD TBD",
    "N/A - N/A"), several together ("N/A TBD", "other/unknown", "Reason: N/A"), the letters
    spaced out or not ("T B D")."""
    words = ["x" if _RUN_OF_X.fullmatch(w) else w for w in words]
    joined = ["x" if _RUN_OF_X.fullmatch(w) else w for w in _joined(words)]
    return _only_placeholders(words) or _only_placeholders(joined)


def _stock_text(text: str) -> bool:
    """Whether ``text``, folded, is a stock placeholder - alone, repeated, or followed only by
    a parenthetical or a "see ..." reference ("N/A (see notes)", "TBD - see the record")."""
    folded = _folded(text)
    words = _words(folded).split()
    if _stock(words):
        return True
    # "N/A (see notes)" says nothing; "Other (flight risk: no fixed address)" does
    asides = [_words(a).split() for a in _ASIDE.findall(folded)]
    if asides and all(not a or a[0] == "see" or _stock(a) for a in asides) \
            and _stock(_words(_ASIDE.sub(" ", folded)).split()):
        return True
    return any(w == "see" and _stock(words[:i]) for i, w in enumerate(words))


def placeholder(text: str) -> bool:
    """Whether ``text`` says nothing: blank, no letter at all, or a stock placeholder
    (5 U.S.C. 552a(e)(5): a record of a determination about a person is accurate and complete;
    a placeholder is no record of why)."""
    return not re.search(r"[^\W\d_]", _words(_folded(text))) or _stock_text(text)


def no_token(text: str) -> bool:
    """Whether ``text``, given as a reference, a citation or a name, says nothing: no letter or
    digit at all, or a stock placeholder ("236(a)", "U-1" and "20240117" are real)."""
    return not _words(_folded(text)) or _stock_text(text)


# Words that say nothing of a case's facts by themselves: a text made only of these and of the
# command's own words (its name, the kind, decision or exception it names) repeats the command.
_FILLER = frozenset({
    "a", "an", "the", "of", "on", "in", "at", "to", "for", "by", "as", "per", "and", "or", "is",
    "was", "be", "due", "because", "under", "with", "this", "that", "case", "person", "reason",
    "reasons", "exception", "exceptional", "circumstance", "circumstances", "approved",
})


def _stem(word: str) -> str:
    """A crude stem, the same for "release", "released" and "releasing"."""
    for end in ("ement", "ment", "ing", "ed", "es", "s", "e"):
        if word.endswith(end) and len(word) - len(end) >= 3:
            word = word[:-len(end)]
            break
    return word[:-1] if len(word) > 3 and word[-1] == word[-2] else word


@cache
def _literal_fields(name: str) -> tuple[tuple[str, bool], ...]:
    """The command's fields that name a kind (a closed list of words) or a flag: (field, is
    a flag)."""
    hints = typing.get_type_hints(COMMAND_TYPES[name])
    out = []
    for f, tp in hints.items():
        if f == "name":
            continue
        args = typing.get_args(tp)
        if typing.get_origin(tp) is typing.Literal and all(isinstance(a, str) for a in args):
            out.append((f, False))
        elif tp is bool:
            out.append((f, True))
    return tuple(out)


def own_words(cmd: Command) -> frozenset[str]:
    """The stems of the command's own words: its name, and the kind, decision, exception or
    finding it gives (and the flags it sets: "emergency")."""
    words = set(cmd.name.split("_"))
    for f, flag in _literal_fields(cmd.name):
        value = getattr(cmd, f, "")
        if flag:
            words.update(f.split("_") if value is True else ())
        elif isinstance(value, str):
            words.update(_words(value).split())
    return frozenset(_stem(w) for w in words)


def repeats(text: str, cmd: Command) -> bool:
    """Whether ``text`` only repeats the command ("released" as the reason of a release,
    "emergency" as the reason of an emergency exception)."""
    said = {_stem(w) for w in _words(text).split() if w not in _FILLER}
    return said <= own_words(cmd)


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
    if repeats(reason, g.command):
        return (f"the reason '{reason.strip()}' only repeats the command; a {what} must say why, "
                "with the facts of this case (e.g. 'flight risk: no fixed address')")
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
    if cmd.name in NOT_JUDGED:
        return None
    for f, statement in judged_text(cmd.name):
        value = getattr(cmd, f, "")
        if not isinstance(value, str) or not value.strip():
            continue  # blank: refused above when required; otherwise the rule's own guard asks
        shown, label = value.strip()[:60], TEXT_LABELS.get(f, f"the {f.replace('_', ' ')}")
        if placeholder(value) if statement else no_token(value):
            return (f"{label} ('{shown}', {f}) says nothing; write out what it rests on, with the "
                    "facts of this case")
        if statement and repeats(value, cmd):
            return (f"{label} ('{shown}', {f}) only repeats the command; write out what it "
                    "rests on, with the facts of this case")
    return None


# Free text judged by TEXT, by the field's name. A statement (a reason, facts, evidence, the basis
# of a finding, an address) needs words of its own: a letter, no stock placeholder, not only the
# command's own words. Any other text (a citation, a reference, a receipt, a name) needs a letter
# or a digit and no stock placeholder. Not judged here: codes (read against their lists when
# parsed), the people a command names by their user id (NAMED-ROLE, ARR-1, USC), the facility
# (the catalogue), the kind of place (SENS-LOC) and the identity record (the store).
STATEMENTS = frozenset({
    "location", "evidence", "reason_to_believe", "likely_to_escape", "location_reason",
    "no_other_officer_reason", "exception_reason", "reason", "age_basis", "basis",
    "withdrawal_statement", "conditions", "facts", "summary", "address", "nature_of_proceedings",
})
NOT_TEXT = frozenset({
    "requested_by", "counsel", "exception_approved_by", "opla_signoff", "approved_by",
    "location_approved_by", "facility", "location_type", "record",
})
# A claim of citizenship is any indication, however it is worded (ICE Directive 16001.2: every
# indication is investigated): it opens the review and is never refused for its words.
NOT_JUDGED = frozenset({"claim_citizenship"})
TEXT_LABELS = {
    "location": "the place of the encounter", "legal_basis": "the legal basis",
    "authority": "the custody authority", "legal_authority": "the legal authority",
    "evidence": "the evidence", "reason_to_believe": "the reason to believe the person is "
    "removable", "likely_to_escape": "the likelihood of escape before a warrant",
    "location_reason": "the exigency of an arrest at a protected place",
    "no_other_officer_reason": "the reason no other officer could examine the person",
    "exception_reason": "the reason for the exception", "reason": "the reason",
    "age_basis": "the basis for believing the person is a minor",
    "basis": "the basis of the classification", "withdrawal_statement": "the withdrawal "
    "statement", "conditions": "the conditions of release", "facts": "the facts",
    "summary": "the summary", "address": "the address", "reference": "the reference",
    "receipt": "the receipt", "agency": "the agency", "provider": "the provider",
    "interpreter": "the interpreter", "notice_interpreter": "the interpreter",
    "transport": "the transport", "document_checked": "the document checked",
}


@cache
def judged_text(name: str) -> tuple[tuple[str, bool], ...]:
    """The command's free-text fields TEXT judges: (field, is a statement). The reason of an act
    on liberty is REASON's."""
    cls = COMMAND_TYPES[name]
    hints = typing.get_type_hints(cls, include_extras=True)
    out = []
    for f in dataclasses.fields(cls):
        if not f.init or hints[f.name] is not str or f.name in NOT_TEXT:
            continue  # codes are Annotated[str, CodeKind]: not plain str
        if f.name == "reason" and name in REASON_COMMANDS:
            continue
        out.append((f.name, f.name in STATEMENTS))
    return tuple(out)


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
