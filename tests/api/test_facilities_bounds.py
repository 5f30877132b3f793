"""Two bounds on the facility rules, through the App (the one write path):

- XFER's intake exemption: a move out of hold rooms and facilities not authorised over 72 hours
  needs no notice to the attorney only within 72 hours of the arrest (ICE Directive 11022.1
  § 3.2) — and the guard and the independent checker say the same of every such move;
- a hospital outside the catalogue is no way around the limits: a name of the catalogue keeps its
  kind, a jail is not a hospital by being called one, the time in such a hospital counts in
  CAP-72, and a child's Flores clock keeps running there.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from test_facilities_issue15 import D1, FY26, TINY, Desk, person, t

from duecourse.app.catalogue import do_import_catalogue
from duecourse.domain.events import Event
from duecourse.law.invariants import check_history
from duecourse.store import repository as repo

ARREST = t("2026-06-01T07:30:00Z")  # Desk.arrested's arrest
HOLD = {"facility": "El Paso field office hold room", "facility_type": "hold_room",
        "classification": "A", "reason": "processing after the arrest"}


@dataclass(frozen=True)
class Path:
    """Where the person was held before the move (by place or transfer, with their times)."""

    name: str
    stays: tuple[tuple[str, dict[str, Any]], ...]


PATHS = (
    Path("a hold room", (("2026-06-01T10:00:00Z", HOLD),)),
    Path("two hold rooms", (("2026-06-01T10:00:00Z", HOLD),
                            ("2026-06-01T15:00:00Z", {**HOLD, "facility": "Station 2 hold room"}))),
    Path("a staging facility", (("2026-06-01T10:00:00Z", {
        "facility": "JENATLA", "classification": "A", "reason": "staging before a bed"}),)),
    Path("a hold room, then a hospital", (("2026-06-01T10:00:00Z", HOLD), (
        "2026-06-01T11:00:00Z", {"facility": "University Medical Center of El Paso",
                                 "facility_type": "hospital", "classification": "A",
                                 "reason": "a cut hand stitched"}))),
    Path("a detention centre", (("2026-06-01T10:00:00Z", {
        "facility": "EPC", "classification": "A", "reason": "men's low unit"}),)),
)
# Hours after the arrest at which the person is moved to Port Isabel.
WHEN = (9.0, 71.5, 72.0, 72.5, 216.0)
NAMES = iter(f"{a}{b}" for a in ("Abel", "Bea", "Caio", "Dina", "Enzo") for b in ("ra", "ro", "ri",
                                                                               "ru", "re"))


@pytest.fixture(scope="module")
def desk() -> Desk:
    return Desk()  # one store: every case is another person


def _guard_wants_notice(desk: Desk, case: str, at: str) -> tuple[bool, Any]:
    out = desk.do(case, at, D1, "transfer", facility="PIC", attorney_notified=False,
                  reason="a bed at Port Isabel")
    xfer = [r.reason for r in out.refusals if r.rule_id == "XFER"]
    assert out.accepted or xfer, [(r.rule_id, r.reason) for r in out.refusals]
    return any("was not told" in r for r in xfer), out


def _events(desk: Desk, case: str) -> list[Event]:
    with desk.app.ctx.engine.connect() as conn:
        return list(repo.load_events(conn, case))


@pytest.mark.parametrize("path", PATHS, ids=[p.name for p in PATHS])
@pytest.mark.parametrize("hours", WHEN)
def test_guard_and_checker_agree_on_when_the_attorney_is_told(desk: Desk, path: Path,
                                                             hours: float) -> None:
    case = desk.arrested("2026-06-01", person(next(NAMES)))
    for at, fields in path.stays:  # each from an intake place: a placement, not a transfer
        desk.ok(case, at, D1, "place", **fields)
    desk.ok(case, "2026-06-01T15:30:00Z", D1, "record_medical_clearance",
            valid_until="2026-12-31")
    at = ARREST + timedelta(hours=hours)
    wants, out = _guard_wants_notice(desk, case, at.isoformat())
    evs = _events(desk, case)
    if not out.accepted:  # what the store would hold had the move been let through
        last = evs[-1]
        evs.append(Event(case, last.seq + 1, "transferred", at, "d1", "detention", {
            "facility": "PIC", "facility_type": "adult", "attorney_notified": False,
            "emergency": False, "reason": "a bed at Port Isabel", "approved_by": "",
            "facility_over_72h": True}))
    flagged = any(v.rule == "XFER" and "before the attorney of record was told" in v.what
                  for v in check_history(evs, roles={"d1": "detention"}))
    assert wants == flagged, (path.name, hours, wants, flagged)
    intake = hours <= 72 and path.name in ("a hold room", "two hold rooms", "a staging facility")
    assert wants is not intake, (path.name, hours)


def test_the_repro_nine_days_in_a_hold_room_then_a_transfer() -> None:
    """Held nine days in a hold room, moved two days before the hearing with the attorney not
    told: refused; the checker flags the same history."""
    desk = Desk()
    case = desk.arrested("2026-06-01", person("Kim", "F"))
    desk.ok(case, "2026-06-01T10:30:00Z", D1, "place", **HOLD)
    desk.ok(case, "2026-06-10T09:00:00Z", D1, "record_medical_clearance",
            valid_until="2026-07-31")
    wants, out = _guard_wants_notice(desk, case, "2026-06-10T15:00:00Z")
    assert wants and not out.accepted
    # With the attorney told, the move goes ahead.
    desk.ok(case, "2026-06-10T15:05:00Z", D1, "transfer", facility="PIC",
            attorney_notified=True, reason="a bed at Port Isabel")
    assert not [v for v in check_history(_events(desk, case)) if v.rule == "XFER"]


# -- hospitals outside the catalogue -------------------------------------------------------------


def test_a_jail_is_not_a_hospital_by_being_called_one() -> None:
    desk = Desk()
    case = desk.arrested("2026-05-22", person("Ali"))
    place = {"classification": "A", "facility_type": "hospital", "reason": "nearest bed"}
    why = desk.no(case, "2026-05-22T11:00:00Z", D1, "place", "CAP",
                  facility="Broadview County Jail", **place)
    assert why.startswith("'Broadview County Jail' is not a hospital by its name (jail)")
    why = desk.no(case, "2026-05-22T11:00:00Z", D1, "place", "CAP",
                  facility="Port Isabel SPC intake", **place)
    assert "(intake, spc)" in why
    # A name of the catalogue, in any case and spacing, keeps the catalogue's kind.
    why = desk.no(case, "2026-05-22T11:00:00Z", D1, "place", "CAP",
                  facility="  cass   county JAIL ", **place)
    assert why == "CASS COUNTY JAIL (CASSCNE) is an adult detention facility in the catalogue, " \
                  "not a hospital"
    desk.ok(case, "2026-05-22T11:05:00Z", D1, "place", facility="Northwestern Memorial Hospital",
            classification="A", facility_type="hospital",
            reason="chest pain: admitted for observation")


def test_a_name_several_facilities_bear_is_not_a_place_outside_the_catalogue() -> None:
    desk = Desk()
    header = next(csv.reader(FY26.open(encoding="utf-8", newline="")))
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    w.writeheader()
    for code in ("ZZTWIN1", "ZZTWIN2"):
        w.writerow({k: {**TINY, "name": "TWIN RIVERS CENTER", "detloc": code}.get(k, "")
                    for k in header})
    do_import_catalogue(desk.app.ctx, out.getvalue().encode(), "twins.csv")
    case = desk.arrested("2026-05-22", person("Bo"))
    why = desk.no(case, "2026-05-22T11:00:00Z", D1, "place", "CAP", facility="Twin Rivers Center",
                  facility_type="hospital", classification="A", reason="nearest bed")
    assert why == ("'Twin Rivers Center' is the name of 2 facilities of the catalogue "
                   "(ZZTWIN1, ZZTWIN2): give its code")
    desk.ok(case, "2026-05-22T11:00:00Z", D1, "place", facility="zztwin2", classification="A",
            reason="the men's low unit")


def test_time_in_a_hospital_outside_the_catalogue_counts_in_cap_72() -> None:
    desk = Desk()
    case = desk.arrested("2026-05-01", person("Cai"))
    desk.ok(case, "2026-05-01T10:00:00Z", D1, "place", **HOLD)
    desk.ok(case, "2026-05-01T12:00:00Z", D1, "transfer", facility="Providence Hospital",
            facility_type="hospital", attorney_notified=False, emergency=True,
            reason="seizure: taken by ambulance")
    clocks = desk.clocks(case, "2026-05-03T12:00:00Z")
    assert clocks["CAP-72"] == "due" and clocks["HOLD-12"] == "met"
    assert desk.clocks(case, "2026-05-05T12:00:00Z")["CAP-72"] == "overdue"  # escalates
    # Past 72 hours, no hold room or short-stay place is open to him: only a facility
    # authorised for longer stays — but a hospital is never refused for the limit.
    desk.no(case, "2026-05-05T12:00:00Z", D1, "transfer", "CAP", facility="Station 2 hold room",
            facility_type="hold_room", attorney_notified=True, reason="discharged")
    desk.ok(case, "2026-05-05T12:10:00Z", D1, "record_medical_clearance",
            valid_until="2026-06-30")
    desk.ok(case, "2026-05-05T12:30:00Z", D1, "transfer", facility="Las Palmas Medical Center",
            facility_type="hospital", attorney_notified=True, reason="surgery: transferred")
    desk.ok(case, "2026-05-07T10:00:00Z", D1, "transfer", facility="EPC",
            attorney_notified=True, reason="discharged: a bed at El Paso")
    assert desk.clocks(case, "2026-05-08T00:00:00Z")["CAP-72"] == "missed"


def test_a_childs_flores_clock_keeps_running_in_a_hospital() -> None:
    desk = Desk()
    kid = desk.arrested("2026-07-01", person("Kevin", born="2009-01-15"))
    desk.ok(kid, "2026-07-01T10:00:00Z", D1, "place", facility="Valley Baptist Medical Center",
            facility_type="hospital", classification="A", reason="asthma attack: admitted")
    clocks = desk.clocks(kid, "2026-07-02T10:00:00Z")
    assert clocks["FLORES"] == "due" and clocks["CAP-72"] == "due"
    clocks = desk.clocks(kid, "2026-07-08T10:00:00Z")
    assert clocks["FLORES"] == "overdue" and clocks["CAP-72"] == "overdue"
    # An adult detention centre is still refused for him, hospital or not.
    desk.no(kid, "2026-07-02T10:00:00Z", D1, "transfer", "SEP", facility="PIC",
            attorney_notified=True, reason="discharged")
    assert desk.state(kid).custody == "detained"
