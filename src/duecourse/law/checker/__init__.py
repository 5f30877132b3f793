"""An independent, after-the-fact check of a case's whole history against the law (LAW.md).

The guards decide, before an action, whether it may happen. This package asks afterwards, from
the recorded events alone, whether anything happened that the law forbids. It is independent in
fact: it imports nothing from the rest of ``duecourse.law`` (no guards, rules, deadlines,
parameters, calendar or courts), nor the case fold (``duecourse.domain.case``), nor
``duecourse.reference``; only the ``Event`` record and the ``deadline_missed`` kind from
``duecourse.domain.events``. It reads the packaged EOIR court table itself, keeps its own state ->
time-zone table, computes federal holidays from 5 U.S.C. 6103 itself, and holds its own legal
constants (``legal.py``). Two independent readings of the same rule that disagree are a bug in
one of them; the property tests drive random command sequences through the real handlers and
require this checker to find nothing.

What it models (``facts.py``, ``model.py``): every order recorded (their protected countries are
a union that a later order never removes), the order in force, its appeals (one per party; an
appeal by DHS does not take the respondent's) and waivers per party, the Board's decisions (each
decides every appeal pending at its place); stays as records (several at once, each until its own
end or a confirmed lift naming it; legacy stays by kind); motions to reopen, identified by their
receipt, each decided by name, and the stay of a pending in-absentia motion; fear claims (an
established fear is never erased by a later claim or decision); the citizenship review (opened by
a claim, a linked record, or a recorded U.S. or territorial nationality); custody over time; the
hearing calendar and its notices; and the entries that remove a protection (a respondent's waiver
entered by anyone but their attorney of record among them), which take effect only when confirmed
by a second, authorised person who did not schedule a removal on the case (spec section 3) -
decided by the rule, not by the ``needs_confirmation`` flag - and then as of their own place in
the history: what was recorded between the entry and its confirmation stands. Several cases of
one person (``persons.py``: the same A-number, or names and birth date) share its protections.

Days are legal days (``days.py``): an order's day is its local day in its court's zone; the APP-30
window ends at the end of the 30th day after it, moved past Saturdays, Sundays, federal holidays,
Inauguration Day (5 U.S.C. 6103(c)) and BIA closure days, at the later of the BIA's zone (Eastern)
and the court's; an appeal that names the day the Board received it (``filed_on``) is timely when
that day is no later than the last day; a voluntary-departure period ends at the end of its day in
the order's court's zone; 180 days for a motion to reopen count from the order's local day.

What it reports, each as a ``Violation`` naming a LAW.md rule id:

- STAY-AUTO: removal scheduled or recorded inside the respondent's appeal window (unless the
  respondent waived with effect or appealed: DHS's waiver, DHS's appeal, or the Board's decision
  on DHS's appeal does not end it), while a timely appeal of either party is pending (also when
  its dismissal is recorded but not confirmed), while an administrative stay (bia, ij, dhs, mtr)
  is in force, or while a motion to reopen an in-absentia order that stays removal is pending
  (8 CFR 1003.6(a), 1003.23(b)(4)(ii));
- STAY-JUD: removal scheduled or recorded while a court's stay is in force;
- FINAL: a warrant of removal, or a removal scheduled or recorded, without an administratively
  final removal order (8 CFR 1241.1: in absentia, once confirmed, at once; otherwise once every
  timely appeal is dismissed (confirmed) and the respondent, unless they appealed, waived (with
  effect) or let their window run out; voluntary departure, the IJ's or the Board's: on
  overstay, at the end of its day);
- I205: a warrant of removal signed by anyone but a supervisory officer, or a removal scheduled or
  recorded without a warrant issued on the order in force (8 CFR 241.2);
- PROT-CTRY: removal scheduled or recorded to a country any order on the case, or on another
  case of the same person, protects the person from, unless a confirmed terminates_protection
  ended it;
- 3RD-CTRY: removal to a country whose fear claim is pending or established; removal to a third
  country (neither a nationality nor the designated country) without a written notice the person
  understands at least 24 hours before departure; a notice in a language the person does not
  understand, with no interpreter;
- TRAVEL-DOC and MED: removal without a travel document for the destination, or a medical
  clearance, valid on the day of departure; MED also: a transfer without a valid clearance;
- USC: an adverse action while a citizenship review is open - from a claim, a linked record, or
  a recorded nationality of the United States or a territory (US, PR, GU, VI, MP, AS, UM: 8
  U.S.C. 1401-1408, 48 U.S.C. 1801) - (a not-citizen finding closes it only once confirmed, and
  not a claim recorded after it) or after a finding of citizenship (ICE Directive 16001.2);
- ID-1: an adverse action while the person's link to the agency's records awaited review; a link
  decided by a non-supervisor, by its proposer, or with no proposal;
- ARR-1, ARR-2: the I-200 and arrests (8 CFR 236.1(b), 287.5(e), 287.8(c)(2)(ii));
- ARR-4: a Notice to Appear served in a language the person does not understand, no interpreter;
- NTA-1: a Notice to Appear lacking any of items (A)-(G), or with no future hearing time;
- APP-30: an appeal after that party's waiver (with effect), from an in-absentia order, recorded
  as timely/untimely when the checker's count says otherwise, or received (``filed_on``) after
  the day it was recorded or before the order;
- WAIVE: a respondent's waiver taken in a language the person does not understand with no
  interpreter (it has no effect: the order is not final by it);
- IN-ABS: an in-absentia order naming no hearing, a hearing not on the calendar, a hearing after
  the order, a hearing continued to a later one (not the hearing in force), a hearing an earlier
  in-absentia order already used, a hearing with no written notice served before it (unless the
  person gave no address), or a person in government custody (arrested, detained, with ORR) at
  the hearing's time;
- PROVENANCE: a fear decision by a non-supervisor/counsel or an actor of the enforcement chain
  (it has no effect if adverse); a protection-removing entry confirmed by its proposer, by a role
  that may not confirm, against another document, or by or on the proposal of someone who
  scheduled a removal on the case (the confirmation has no effect); a confirmation naming no
  earlier entry; a stay lifted by a body that may not lift it (that stay stays in force); a
  removal scheduled or recorded by one who recorded or confirmed an entry that took a protection
  away on the case;
- ZAD-180: detention continued at a Zadvydas review without a significant likelihood of removal;
- LIFECYCLE, ROLE, and the clock CUS-48 (``clocks.py``; an approved emergency exception adds an
  additional period of its own, ``legal.CUS48_EXCEPTION_HOURS``, never an unbounded one).

Issue 15's rows (``areas.py`` drives them beside the checks above; each area keeps its own facts
and clocks; a clock fulfilled late needs a ``deadline_missed`` record for it before it starts
again; who holds which role comes from the store's ``actors`` table, or from the events):

- AGE, FLORES, UAC-48, UAC-72 (``children.py``): a person under 18 by the case's own birth date is
  a child from the encounter, flagged or not, until 00:00 of the 18th birthday at UTC-12 (29
  February: 1 March), or until an "adult" age determination takes effect - which needs more than
  one form of evidence, not radiographs alone, and a second person's confirmation (PROVENANCE);
  no child in an adult facility; no unaccompanied child anywhere but a hold room, a hospital or
  ORR; the Flores clock (a child in DHS custody reaches a licensed placement or leaves custody
  within 5 days), UAC-48 (from the encounter or the first flag), UAC-72 (from being unaccompanied
  and held; an exception adds ``UAC72_EXCEPTION_HOURS``); no transfer to ORR after 18; a person
  held as a child goes to an adult facility after 18 only after the age-out record;
- REASON, CUSTODY-CLOSE, REVOKE, POCR, PRE-ORDER, BOND-STAY (``custody.py``): a blank reason on
  a custody decision, placement, transfer, release, review or closing; a case closed over a
  person arrested or detained (a bond decision holds them until released); an arrest after a
  release on a final order with no revocation; a revocation without grounds, facts or reason, or
  not by a supervisor; a POCR review continuing detention without written notice, understood,
  30 days before; a headquarters review by the POCR reviewer or a non-supervisor; a detention
  under INA 235(b)(1), 235(b)(2)(A) or 236(c) (however written) without counsel's sign-off; an
  EOIR-43 filed after one business day, or where DHS had neither ordered no release nor set a
  bond of $10,000 or more;
- HOLD-12, XFER (``facilities.py``): a stay in hold rooms past 12 hours (72 from the waiver of
  24 Jun 2025), moves between hold rooms counted as one stay; a transfer before the attorney of
  record is told, outside an emergency with a reason (whose notice clock is 24 hours); a transfer
  within 72 hours before the hearing in force without a supervisor's approval; MED, USC and ID-1
  never flag an emergency transfer to a hospital;
- DET-1, CON-2, SENS-LOC, VAWA-1367, LIFECYCLE, COUNSEL-LIST, NTA-ADDR, FAIL-CLOSED (``rows.py``):
  a detainer by anyone but an officer or supervisor, naming no agency, on no listed probable-cause
  basis, or without an unserved I-200 or an I-205 on the final order; a consulate told without the
  person's request unless it is a mandatory-notification country of the person's nationality, and
  for such a national a notice later than 72 hours into custody; an arrest at a protected area
  without a supervisor's approval and a reason; an NTA without the 239(e) statement after an
  arrest at a 239(e) place; a new NTA after relief or a termination with prejudice; a legal
  services list dated after the NTA or more than 92 days before it; an order in absentia on a
  notice mailed to an older address than one the person had given; an act recorded before the
  law it rests on came into force (``legal.IN_FORCE``).

Records from before issue 15 are read as they were written: a custody decision, placement,
transfer, release or review that carries no ``reason`` field at all is not flagged REASON (the
handler writes the field on every such event; a blank one is flagged).
"""

from __future__ import annotations

from .legal import ADVERSE_KINDS
from .report import Violation
from .run import appeal_window_end, check_cases, check_history

__all__ = ["ADVERSE_KINDS", "Violation", "appeal_window_end", "check_cases", "check_history"]
