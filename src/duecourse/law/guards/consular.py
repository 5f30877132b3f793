"""Consular notification and access (LAW.md B6, CON-1 and CON-2): the detained person is told of
the right to have their consulate notified; the consulate is told when they ask, or whatever
they wish for a mandatory-notification country; never otherwise (ASY-CONF: a person who fears
their government is not reported to it)."""

from __future__ import annotations

from datetime import UTC, datetime

from ...domain.commands import NotifyConsulate, RecordConsularAdvisal
from ..consular import (
    LIST_CITATION,
    consulate_of,
    last_spell,
    mandatory_consulates,
    nationalities,
    own_consulates,
    requested_consulate,
)
from ..framework import GuardInput, guard
from .orders import understood

_EVER = datetime.min.replace(tzinfo=UTC)


@guard(
    "CON-1", title="The detained person is told of the right to consular notification",
    citation="VCCR Art. 36(1)(b); 8 CFR 236.1(e)",
    protects="a foreign national in custody knows they may have their consulate told and "
             "communicate with it",
    confidence="V", commands={"record_consular_advisal"}, effective_from="1969-12-24",
    verified="2026-12-07", source="LAW.md B6",
)
def consular_advisal(g: GuardInput) -> str | None:
    cmd, s = g.command, g.state
    if not isinstance(cmd, RecordConsularAdvisal):
        return None
    if last_spell(s) is None:
        return ("the person has not been in DHS custody on this case; the consular advisal is "
                "given to a person who is arrested or detained")
    heard = understood(s, cmd.language, cmd.interpreter, "consular advisal")
    if heard:
        return heard
    if not cmd.notification_requested:
        return None
    own = sorted(own_consulates(s))
    if cmd.country is None:
        if len(own) == 1:
            return None
        return ("the person asks that their consulate be notified: name the country (their "
                f"nationalities on file: {', '.join(own) or 'none'})")
    if own and consulate_of(cmd.country) not in own:
        return (f"the person asks that the consulate of {cmd.country} be notified, which is not "
                f"one of their nationalities on file ({', '.join(nationalities(s))}); record the "
                "nationality first")
    return None


@guard(
    "CON-2", title="A consulate is told only when the person asks, or by a mandatory treaty",
    citation=f"VCCR Art. 36(1)(b); 8 CFR 236.1(e); 8 CFR 208.6; {LIST_CITATION}",
    protects="no government learns of a national's detention against their wishes unless a "
             "treaty requires it",
    confidence="V", commands={"notify_consulate"}, effective_from="1969-12-24",
    verified="2026-12-07", source="LAW.md B6 (CON-2, ASY-CONF)",
)
def consular_notice(g: GuardInput) -> str | None:
    cmd, s = g.command, g.state
    if not isinstance(cmd, NotifyConsulate):
        return None
    country = consulate_of(cmd.country)
    spell = last_spell(s)
    if spell is None:
        return ("the person has not been in DHS custody on this case; a consulate is told of a "
                "national's arrest or detention, and of nothing else")
    mandatory = mandatory_consulates(s)
    asked = requested_consulate(s, _EVER)
    if country not in mandatory and (asked is None or asked[1] != country):
        why = ("the person asked for no notification at their latest advisal"
               if s.consular_advisals and asked is None else
               f"the person asked that {asked[1]}'s consulate be told, not {country}'s"
               if asked is not None else "the person has not been advised and asked for it")
        return (f"{country} is not a mandatory-notification country for this person and {why}; "
                "a consulate is never told unasked (the person may fear that government: "
                "ASY-CONF, 8 CFR 208.6)")
    earlier = [at for at, c in s.consulates_notified
               if consulate_of(c) == country and at >= spell[0]]
    if earlier:
        return (f"the consulate of {country} was already notified of this detention on "
                f"{earlier[0]:%Y-%m-%d %H:%M} UTC")
    return None
