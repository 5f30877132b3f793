"""The rows of the catalogue issue 15 adds (item 8), and the law in force (item 1).

- DET-1 (8 CFR 287.7(a)-(b); ICE Policy 10074.2; I-247A): a detainer is issued by an officer or a
  supervisor, to a named agency, on a probable-cause basis from the form's list, with a warrant
  actually signed on the case attached: an unserved I-200, or an I-205 on the final order in force;
  and not to an agency that already has a detainer standing on the case (one issued since DHS last
  arrested the person), the agencies' names compared folded (NFKD without accents, letter case,
  quotation marks and apostrophes of any kind, other punctuation and spacing left out).
- CON-1 (VCCR art. 36(1)(b); 8 CFR 236.1(e)): a foreign national held by DHS is told of the right
  to consular notification within 48 hours (the floor; the deployment's default is shorter) of
  the start of each spell in custody, or the late advisal (or the end of the spell, unadvised)
  carries a ``deadline_missed`` record.
- CON-2 (VCCR art. 36(1)(b); bilateral treaties; 8 CFR 208.6 for ASY-CONF): a consulate is told only
  if the person asked, or the person is a national of a mandatory-notification country and the
  notice goes to that country; for such a national, the notice follows the start of custody within
  72 hours (a clock).
- SENS-LOC (agency policy, default on): an arrest at a protected area needs a supervisor's approval
  (not the arresting officer's) and a reason.
- VAWA-1367 (INA 239(e)): after an arrest at a shelter, victim-services site, supervised-visitation
  or family-justice centre, or a protection-order courthouse, the Notice to Appear carries the
  239(e) statement.
- LIFECYCLE: a new Notice to Appear after proceedings ended with relief granted or were terminated
  with prejudice (only a termination without prejudice lets DHS charge the person again); an
  event dated before the one before it (acts are recorded in the order they happened).
- COUNSEL-LIST (INA 239(b)(2)): the free legal services list on an NTA is not dated after it and is
  at most 92 days older than it, when issued and when served.
- NTA-ADDR (INA 239(a)(1)(F), 240(b)(5)(A)): an order in absentia does not rest on a notice by mail
  sent to an older address than one the person had already given. The notice went to the newest
  address recorded before it; the most recent one given is the newest of those and of the ones
  recorded after it but given on a day before the mailing (the latest day the mailing falls on in
  a U.S. court's zone, UTC+10); newer is given on a later day, or on the same day and recorded
  later. The same address, however spaced, punctuated or capitalised, is not a new one.
- PRE-ORDER (INA 241(a)(1)(B); 8 U.S.C. 1231(a)): custody decided under INA 241(a) (any spelling,
  the 8 U.S.C. 1231(a) form included) needs a final order of removal in force on the case: the
  removal period begins only with one.
- FAIL-CLOSED: no act is recorded on a day before the law it rests on came into force.
- TEXT, NAMED-ROLE (item 2): required text is not blank and not a stock placeholder ("n/a",
  "unknown"); the people a record names (the requester of an I-200, the agency attorney of a
  citizenship finding, an exception's approver) hold the role the law requires, where the store
  knows them.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta

from ...domain.events import Event
from .areas import HELD, Area, Context, kind_of, local_days
from .custody import authority
from .facts import Facts
from .legal import (
    CON1_HOURS,
    CON2_HOURS,
    COUNSEL_LIST_DAYS,
    DETAINER_ISSUERS,
    IN_FORCE,
    MANDATORY_NOTIFICATION,
    MANDATORY_NOTIFICATION_CLOCK,
    NAMED_ROLES,
    PLACEHOLDER_FREE,
    PROBABLE_CAUSE_BASES,
    REQUIRED_TEXT,
    SECTION_239E_LOCATIONS,
    SENSITIVE_LOCATIONS,
    US_NATIONALITIES,
)
from .reading import code, day, instant, says_nothing, text, when
from .report import Flag

# NTA-ADDR: a mailing's day is the latest calendar day it falls on in a U.S. court's zone (Guam and
# Saipan, UTC+10): an address given on an earlier day may have been given before it.
US_COURT_LATEST_OFFSET = timedelta(hours=10)


def mailing_day(t: datetime) -> date:
    return (t.astimezone(UTC) + US_COURT_LATEST_OFFSET).date()


def same_address(value: object) -> str:
    """An address compared: letter case, spacing, commas and full stops ignored."""
    return " ".join(re.sub(r"[.,]", " ", str(value or "")).split()).casefold()


def agency_name(value: object) -> str:
    """An agency on a detainer compared: NFKD, case-folded, letters and digits only (quotation
    marks, apostrophes - the modifier-letter apostrophe "\u02bc", the primes "\u02b9" "\u02bb", the
    acute and grave accents "\u00b4" "`" included - accents and other combining marks, punctuation,
    symbols and spaces dropped)."""
    folded = unicodedata.normalize("NFKD", str(value or "")).casefold()
    return "".join(c for c in unicodedata.normalize("NFKD", folded)
                   if c.isalnum() and c not in "\u02bc\u02b9\u02bb\u00b4`\u2018\u2019\u201b"
                   and not unicodedata.combining(c) and unicodedata.category(c)[0] != "M")


def warrant_form(value: object) -> str:
    """"I-200", "i200", " I 205 " -> "I200", "I205"."""
    return "".join(ch for ch in str(value or "").upper() if ch.isalnum())


class Rows(Area):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.requested = False  # the person asked that their consulate be told
        self.section_239e: Event | None = None  # an arrest at a 239(e) place
        self.orders: dict[int, Event] = {}
        self.nta: Event | None = None
        self.mail_notices: dict[datetime, list[Event]] = {}  # hearing -> notices by mail
        self.other_notices: set[datetime] = set()  # hearings noticed otherwise
        self.addresses: list[Event] = []
        self.con2: dict[str, Event] = {}  # mandatory nationality -> start of its clock
        self.con2_done: set[str] = set()
        self.con1: Event | None = None  # the start of a spell in custody not yet advised
        self.con1_spell = False  # the person is in a spell of DHS custody
        self.previous: Event | None = None  # the event before (LIFECYCLE: time runs forward)
        self.detainers: list[Event] = []
        self.last_arrest: Event | None = None  # the arrest recorded last (it ends detainers)

    # -- checks before the event ---------------------------------------------------------------

    def check(self, f: Facts, e: Event, flag: Flag) -> None:
        self._in_force(e, flag)
        self._text(e, flag)
        p = self.previous
        if p is not None and e.at < p.at:
            flag("LIFECYCLE", e, f"'{e.kind}' is dated {when(e.at)}, before the event before it "
                                 f"(event {p.seq}, '{p.kind}', {when(p.at)}): acts are recorded "
                                 "in the order they happened")
        k = e.kind
        if k == "detainer_issued":
            self._detainer(f, e, flag)
        elif k == "consulate_notified":
            self._consulate(f, e, flag)
        elif k == "arrest_recorded":
            self._location(e, flag)
        elif k == "nta_issued":
            self._nta(f, e, flag)
        elif k == "nta_served" and self.nta is not None:
            self._counsel_list(self.nta, e, "served", flag)
        elif k == "order_recorded" and e.data.get("in_absentia") is True:
            self._absentia_address(e, flag)
        elif k == "custody_determined":
            self._removal_period(f, e, flag)

    def _in_force(self, e: Event, flag: Flag) -> None:
        law = IN_FORCE.get(e.kind)
        if law is None:
            return
        since, which = law
        latest = local_days(e.at)[1]
        if latest < since:
            flag("FAIL-CLOSED", e, f"'{e.kind}' was recorded on {e.at.date()}, before {which} "
                                   "came into force: no law in force for it")

    def _text(self, e: Event, flag: Flag) -> None:
        for key in REQUIRED_TEXT.get(e.kind, ()):
            if key not in e.data:
                continue  # a record from before the field existed
            if not text(e.data, key):
                flag("TEXT", e, f"'{e.kind}' was recorded with a blank {key.replace('_', ' ')}")
            elif (e.kind, key) in PLACEHOLDER_FREE and says_nothing(e.data.get(key), key):
                flag("TEXT", e, f"'{e.kind}' was recorded with a {key.replace('_', ' ')} that "
                                f"says nothing ('{text(e.data, key)[:60]}')")
        for (kind, key), allowed in NAMED_ROLES.items():
            who = text(e.data, key) if kind == e.kind else ""
            if who == e.actor_id:
                continue  # naming oneself: judged by the rule itself (no approval, ARR-1)
            held = self.ctx.role(who)
            if held and held not in allowed:
                flag("NAMED-ROLE", e, f"'{e.kind}' names {who} as {key.replace('_', ' ')}, a "
                                      f"{held}, not a {' or '.join(sorted(allowed))}")

    def _detainer(self, f: Facts, e: Event, flag: Flag) -> None:
        d = e.data
        if e.actor_role not in DETAINER_ISSUERS:
            flag("DET-1", e, f"the detainer was issued by a {e.actor_role}, not an immigration "
                             "officer of 8 CFR 287.7(b)")
        if not text(d, "agency"):
            flag("DET-1", e, "the detainer names no law-enforcement agency")
        basis = kind_of(d.get("probable_cause"))
        if basis not in PROBABLE_CAUSE_BASES:
            flag("DET-1", e, f"the detainer rests on no probable-cause basis of the I-247A "
                             f"({text(d, 'probable_cause') or 'none'!r})")
        form = warrant_form(d.get("warrant"))
        final = f.order is not None and f.order.is_removal and f.order.is_final(e.at)
        if form == "I200":
            if f.unserved_warrants < 1:
                flag("DET-1", e, "the detainer names an I-200, but no unserved I-200 was issued "
                                 "on the case")
        elif form == "I205":
            if not (f.removal_warrant_seq and final):
                flag("DET-1", e, "the detainer names an I-205, but no warrant of removal was "
                                 "issued on a final order in force")
        else:
            flag("DET-1", e, "the detainer has no I-200 or I-205 attached")
        agency = agency_name(d.get("agency"))
        arrest = self.last_arrest
        for earlier in self.detainers:
            if (agency and agency_name(earlier.data.get("agency")) == agency
                    and (arrest is None or arrest.at < earlier.at)):
                flag("DET-1", e, f"a detainer to {text(d, 'agency')!r} while the one to "
                                 f"{text(earlier.data, 'agency')!r} (event {earlier.seq}) still "
                                 "stands, no arrest since: a duplicate")
                break

    def _removal_period(self, f: Facts, e: Event, flag: Flag) -> None:
        auth = authority(e.data.get("authority"))
        if auth != "241(a)" and not auth.startswith("241(a)("):
            return
        o = f.order
        if o is None or not o.is_removal or not o.is_final(e.at):
            had = ("no order" if o is None else "no order of removal" if not o.is_removal
                   else "an order of removal not yet final")
            flag("PRE-ORDER", e, f"custody was decided under INA {auth}, the removal period, with "
                                 f"{had} on the case: it begins only with a final order of "
                                 "removal (INA 241(a)(1)(B))")

    def _consulate(self, f: Facts, e: Event, flag: Flag) -> None:
        c = code(e.data.get("country"))
        mandatory = c in MANDATORY_NOTIFICATION and c in f.nationalities
        if not (self.requested or mandatory):
            flag("CON-2", e, f"the consulate of {c or '?'} was told of the person without their "
                             "request, and it is not a mandatory-notification country of the "
                             "person's nationality (ASY-CONF: a person may fear their "
                             "government)")

    def _location(self, e: Event, flag: Flag) -> None:
        place = kind_of(e.data.get("location_type"))
        if place in SENSITIVE_LOCATIONS:
            why = self.ctx.unapproved(e, "location_approved_by", "supervisor")
            if not text(e.data, "location_reason"):
                why = (why + "; " if why else "") + "no exigency reason was recorded"
            if why:
                flag("SENS-LOC", e, f"the person was arrested at a protected location "
                                    f"({place}), but {why}")

    def _nta(self, f: Facts, e: Event, flag: Flag) -> None:
        arrest = self.section_239e
        if arrest is not None and e.data.get("statement_1229e") is not True:
            flag("VAWA-1367", e, "the Notice to Appear lacks the INA 239(e) statement after an "
                                 f"arrest at a {kind_of(arrest.data.get('location_type'))} "
                                 f"(event {arrest.seq})")
        o = f.order
        if o is not None and o.seq in self.orders:
            od = self.orders[o.seq].data
            if o.outcome == "relief":
                flag("LIFECYCLE", e, f"a new Notice to Appear after relief was granted (event "
                                     f"{o.seq})")
            elif o.outcome == "terminated" and od.get("without_prejudice") is not True:
                flag("LIFECYCLE", e, f"a new Notice to Appear after the proceedings were "
                                     f"terminated with prejudice (event {o.seq})")
        self._counsel_list(e, e, "issued", flag)

    def _counsel_list(self, nta: Event, e: Event, what: str, flag: Flag) -> None:
        listed = day(nta.data.get("counsel_list_date"))
        if listed is None:
            return  # NTA-1 reports a missing list
        earliest, latest = local_days(e.at)
        if listed > latest:
            flag("COUNSEL-LIST", e, f"the Notice to Appear was {what} with a free legal services "
                                    f"list dated {listed}, after the day it was {what}")
        elif (earliest - listed).days > COUNSEL_LIST_DAYS:
            flag("COUNSEL-LIST", e, f"the Notice to Appear was {what} with a free legal services "
                                    f"list of {listed}, more than {COUNSEL_LIST_DAYS} days old "
                                    "(INA 239(b)(2): updated at least quarterly)")

    def _absentia_address(self, e: Event, flag: Flag) -> None:
        at = instant(e.data.get("hearing_at"))
        if at is None or at in self.other_notices or e.data.get("no_address_provided") is True:
            return
        mailed = [n for n in self.mail_notices.get(at, []) if n.at < at]
        if not mailed:
            return
        notice = mailed[-1]
        sent_on = mailing_day(notice.at)

        def given(a: Event) -> date | None:
            return day(a.data.get("provided_on"))

        def newness(a: Event) -> tuple[date, int]:
            return given(a) or date.min, a.seq

        before = [a for a in self.addresses if a.seq < notice.seq]
        late = [a for a in self.addresses if a.seq > notice.seq
                and (given(a) or date.max) < sent_on]
        latest = max(before + late, key=newness, default=None)
        sent_to = max(before, key=newness, default=None)
        if latest is None or latest is sent_to:
            return
        if sent_to is not None and same_address(sent_to.data.get("address")) == same_address(
                latest.data.get("address")):
            return
        to = (f"the address given on {text(sent_to.data, 'provided_on')} (event {sent_to.seq})"
              if sent_to is not None else "no address on file")
        flag("NTA-ADDR", e, f"an in-absentia order rests on a notice mailed at "
                            f"{when(notice.at)} to {to}, older than the one the person gave on "
                            f"{text(latest.data, 'provided_on')} (event {latest.seq})")

    # -- facts and clocks after the event ------------------------------------------------------

    def apply(self, f: Facts, e: Event) -> None:
        self.previous = e
        k, d = e.kind, e.data
        if k == "consular_advisal_recorded" and d.get("notification_requested") is True:
            self.requested = True
        elif k == "arrest_recorded" and kind_of(d.get("location_type")) in SECTION_239E_LOCATIONS:
            self.section_239e = e
        elif k == "order_recorded":
            self.orders[e.seq] = e
        elif k == "nta_issued":
            self.nta = e
        elif k == "nta_served" and self.nta is not None:
            self._notice(instant(self.nta.data.get("hearing_at")), e, text(d, "method"))
        elif k == "hearing_scheduled" and text(d, "notice"):
            self._notice(instant(d.get("at")), e, text(d, "notice"))
        elif k == "address_recorded":
            self.addresses.append(e)
        elif k == "detainer_issued":
            self.detainers.append(e)
        if k == "arrest_recorded":
            self.last_arrest = e
        self._con2(f, e)
        self._con1(f, e)

    def _notice(self, hearing: datetime | None, e: Event, method: str) -> None:
        if hearing is None:
            return
        if method.lower() == "mail":
            self.mail_notices.setdefault(hearing, []).append(e)
        else:
            self.other_notices.add(hearing)

    def _con1(self, f: Facts, e: Event) -> None:
        """CON-1: a foreign national held by DHS is told of consular notification within
        CON1_HOURS of the start of each spell in custody; a spell that ends first, or a finding
        of citizenship, makes it moot."""
        held = f.custody in HELD
        foreign = not f.citizen_found_seq and not (
            f.nationalities and f.nationalities <= US_NATIONALITIES)
        start = self.con1
        if held and not self.con1_spell:
            self.con1_spell, self.con1 = True, (e if foreign else None)
            return
        if start is None:
            self.con1_spell = held
            return
        due = start.at + timedelta(hours=CON1_HOURS)
        if not foreign:
            self.con1 = None
        elif e.kind == "consular_advisal_recorded":
            self.clocks.judge("CON-1", ("CON-1",), e, start, due,
                              "the person was told of consular notification")
            self.con1 = None
        elif not held:
            self.clocks.judge("CON-1", ("CON-1",), e, start, due,
                              "the person left DHS custody, never told of consular notification,")
            self.con1 = None
        self.con1_spell = held

    def _con2(self, f: Facts, e: Event) -> None:
        mandatory = sorted((f.nationalities & MANDATORY_NOTIFICATION_CLOCK) - self.con2_done)
        for c in mandatory:
            start = self.con2.get(c)
            if start is None:
                if f.custody in HELD:
                    self.con2[c] = e
                continue
            if e.kind == "consulate_notified" and code(e.data.get("country")) == c:
                self.con2_done.add(c)
                self.clocks.judge("CON-2", ("CON-2",), e, start,
                                  start.at + timedelta(hours=CON2_HOURS),
                                  f"the consulate of {c}, a mandatory-notification country, "
                                  "was told")
            elif f.custody not in HELD:
                self.con2_done.add(c)  # released or removed first: the clock is moot
