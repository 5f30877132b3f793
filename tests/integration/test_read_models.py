"""The read models against the record (issue 14): ``check_read_models`` re-derives ``cases``,
``deadlines`` and ``persons`` from the events and ``actors`` and ``accounts`` from the ledger; a
clean store gives no finding, and each row edited directly in the database is named, with the
column, the stored value and the derived one. Actor registrations and OpenID Connect bindings
each leave exactly one ledger entry. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from duecourse.app.access import AccessDenied
from duecourse.app.accounts import do_bind_oidc_subject, do_update_account, get_account
from duecourse.app.actors import register_actor
from duecourse.app.calendar import do_close_day
from duecourse.app.read_models import Finding, check_store
from duecourse.domain.commands import Actor
from duecourse.domain.errors import InvalidInput
from duecourse.store.tables import deadlines, ledger, ledger_queue
from web.support import Site, build_site

ADMIN = Actor("u-admin1", "admin")


@pytest.fixture
def site(db_url: str) -> Site:
    return build_site(db_url)


def _check(site: Site) -> list[Finding]:
    return check_store(site.app.ctx.engine)


def _sql(site: Site, statement: str, **params: Any) -> None:
    with site.app.ctx.engine.begin() as conn:
        assert conn.execute(text(statement), params).rowcount == 1


def _entries(site: Site, kind: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(actor id, actor role, body) of every entry of ``kind``: in the ledger, then queued."""
    q = ledger_queue
    with site.app.ctx.engine.connect() as conn:
        rows = list(conn.execute(select(ledger.c.actor_id, ledger.c.actor_role, ledger.c.body)
                                 .where(ledger.c.kind == kind).order_by(ledger.c.seq)))
        rows += conn.execute(select(q.c.actor_id, q.c.actor_role, q.c.body)
                             .where(q.c.kind == kind).order_by(q.c.id))
    return [(r.actor_id, r.actor_role, json.loads(r.body)) for r in rows]


def _bind(site: Site, role: str, subject: str) -> None:
    assert do_bind_oidc_subject(site.app.ctx, f"{role}1", subject, "https://idp.invalid")


def test_a_clean_store_gives_no_finding(site: Site) -> None:
    _bind(site, "officer", "agency-officer")
    assert _check(site) == []


def test_a_deadline_marked_met_is_named(site: Site) -> None:
    ana = site.cases["ana"]
    _sql(site, "UPDATE deadlines SET state = 'met' WHERE case_id = :c AND deadline_id = 'CUS-48'",
         c=ana)
    assert _check(site) == [Finding("deadlines", f"{ana} CUS-48", "differs", "state", "met",
                                    "due")]


def test_a_deleted_deadline_is_missing(site: Site) -> None:
    ana = site.cases["ana"]
    _sql(site, "DELETE FROM deadlines WHERE case_id = :c AND deadline_id = 'CUS-48'", c=ana)
    assert _check(site) == [Finding("deadlines", f"{ana} CUS-48", "missing")]


def test_a_family_name_changed_is_named(site: Site) -> None:
    pid = site.persons["ben"]
    _sql(site, "UPDATE persons SET family_name = 'Other' WHERE id = :p", p=pid)
    assert _check(site) == [Finding("persons", pid, "differs", "family_name", "Other",
                                    "Sample")]


def test_a_changed_match_key_is_named(site: Site) -> None:
    """An insider who changes a person's match key would hide their other cases from REVOKE,
    PROT-CTRY and one custody at a time: the key is derived from the opening event, and the
    check names the change."""
    pid = site.persons["ben"]
    _sql(site, "UPDATE persons SET name_key = 'someone|else|1900-01-01' WHERE id = :p", p=pid)
    [finding] = _check(site)
    assert (finding.table, finding.key, finding.problem, finding.column) == (
        "persons", pid, "differs", "name_key")


def test_a_planted_person_is_extra(site: Site) -> None:
    _sql(site, "INSERT INTO persons (id, family_name, given_name, nationalities, languages, sex,"
               " a_number, created_at, a_number_key, name_key)"
               " VALUES ('P-PLANTED', 'X', 'Y', '', '', '', '', :at, '', '')",
         at=datetime(2026, 1, 1, tzinfo=UTC))
    [finding] = _check(site)
    assert (finding.table, finding.key, finding.problem) == ("persons", "P-PLANTED", "extra")


def test_custody_changed_is_named(site: Site) -> None:
    cai = site.cases["cai"]
    _sql(site, "UPDATE cases SET custody = 'released' WHERE id = :c", c=cai)
    found = _check(site)
    assert found == [Finding("cases", cai, "differs", "custody", "released", "at_large")]
    assert str(found[0]) == (f"cases {cai}: custody is 'released', the events give 'at_large'")


def test_a_raised_role_is_named(site: Site) -> None:
    _sql(site, "UPDATE actors SET role = 'supervisor' WHERE id = 'u-officer1'")
    assert _check(site) == [Finding("actors", "u-officer1", "differs", "role", "supervisor",
                                    "officer")]


def test_clients_added_directly_are_named(site: Site) -> None:
    ana = site.persons["ana"]
    both = f"{site.persons['ben']},{ana}"
    _sql(site, "UPDATE actors SET clients = :c WHERE id = 'u-attorney1'", c=both)
    assert _check(site) == [Finding("actors", "u-attorney1", "differs", "clients", both,
                                    site.persons["ben"])]


def test_an_oidc_subject_changed_is_named(site: Site) -> None:
    _bind(site, "officer", "agency-officer")
    _sql(site, "UPDATE accounts SET oidc_subject = 'attacker' WHERE username = 'officer1'")
    assert _check(site) == [Finding("accounts", "officer1", "differs", "oidc_subject",
                                    "attacker", "agency-officer")]


def test_an_unledgered_oidc_subject_is_reported_as_unrecorded(site: Site) -> None:
    # As web/oidc.py bound subjects before bindings were ledgered (or an edit would).
    _sql(site, "UPDATE accounts SET oidc_subject = 'agency-9' WHERE username = 'counsel1'")
    [finding] = _check(site)
    assert (finding.table, finding.key, finding.problem, finding.column) == (
        "accounts", "counsel1", "unrecorded", "oidc_subject")
    assert "not recorded in the ledger" in str(finding)


def test_an_actor_written_directly_is_unrecorded_until_registered(site: Site) -> None:
    _sql(site, "INSERT INTO actors (id, role, name, clients) VALUES ('x1', 'supervisor', '', '')")
    assert _check(site) == [Finding("actors", "x1", "unrecorded",
                                    note="registered before registrations were ledgered, or "
                                         "written directly")]
    register_actor(site.app.ctx, Actor("x1", "officer"), ADMIN)  # an administrator decides
    assert _check(site) == []


def test_a_closure_day_recorded_after_the_order_is_not_a_finding(site: Site) -> None:
    ben = site.cases["ben"]
    with site.app.ctx.engine.connect() as conn:
        due = conn.execute(select(deadlines.c.due_at).where(
            deadlines.c.case_id == ben, deadlines.c.deadline_id == "APP-30")).scalar_one()
    last_day = due.astimezone(ZoneInfo("America/New_York")).date()
    do_close_day(site.app.ctx, last_day, "BIA", "storm", "EOIR operational status",
                 Actor("u-supervisor1", "supervisor"))
    assert _check(site) == []  # the stored clock is as the handler computed it then
    _sql(site, "UPDATE deadlines SET due_at = :d WHERE case_id = :c AND deadline_id = 'APP-30'",
         d=due - timedelta(days=3), c=ben)
    [finding] = _check(site)
    assert (finding.table, finding.key, finding.column, finding.derived) == (
        "deadlines", f"{ben} APP-30", "due_at", due)


def test_a_history_that_does_not_fold_is_named_once(site: Site) -> None:
    ana = site.cases["ana"]
    _sql(site, "UPDATE events SET data = 'not JSON' WHERE case_id = :c AND seq = 2", c=ana)
    [finding] = _check(site)
    assert (finding.table, finding.key, finding.problem) == ("events", ana, "unreadable")
    assert "do not fold" in str(finding)


# -- the writers: one ledger entry each ---------------------------------------------------------

def test_register_actor_leaves_exactly_one_entry(site: Site) -> None:
    before = len(_entries(site, "actor_registered"))
    pid = site.persons["cai"]
    site.app.register_actor(Actor("att9", "attorney", "An Attorney", (pid,)))
    after = _entries(site, "actor_registered")
    assert after[before:] == [("system", "system", {"actor_id": "att9", "role": "attorney",
                                                    "name": "An Attorney", "clients": [pid]})]
    register_actor(site.app.ctx, Actor("att9", "attorney", "An Attorney", ()), ADMIN)
    assert _entries(site, "actor_registered")[before + 1:] == [
        ("u-admin1", "admin", {"actor_id": "att9", "role": "attorney", "name": "An Attorney",
                               "clients": []})]
    assert _check(site) == []


@pytest.mark.parametrize(("actor", "field"), [
    (Actor("x2", "sheriff"), "role"),
    (Actor("x2", "attorney", clients=("P-1,P-2",)), "clients[0]"),
    (Actor("x2", "attorney", clients=("P-1", "P-1")), "clients[1]"),
    (Actor("system", "admin"), "id"),
    (Actor("", "officer"), "id"),
])
def test_a_bad_actor_is_refused_and_nothing_written(site: Site, actor: Actor,
                                                   field: str) -> None:
    before = _entries(site, "actor_registered")
    with pytest.raises(InvalidInput) as e:
        site.app.register_actor(actor)
    assert e.value.field == field
    assert _entries(site, "actor_registered") == before
    with site.app.ctx.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM actors WHERE id = 'x2'")).scalar() == 0


def test_only_an_administrator_registers_actors(site: Site) -> None:
    with pytest.raises(AccessDenied):
        register_actor(site.app.ctx, Actor("x3", "supervisor"), Actor("u-officer1", "officer"))
    assert not any(b["actor_id"] == "x3" for _, _, b in _entries(site, "actor_registered"))


def test_an_account_change_registers_its_actor(site: Site) -> None:
    before = len(_entries(site, "actor_registered"))
    do_update_account(site.app.ctx, ADMIN, "officer1", role="supervisor")
    assert [b["role"] for _, _, b in _entries(site, "actor_registered")[before:]] == [
        "supervisor"]
    do_update_account(site.app.ctx, ADMIN, "officer1", office="Elsewhere")  # not the actor
    assert len(_entries(site, "actor_registered")) == before + 1
    assert _check(site) == []


def test_the_oidc_binding_leaves_exactly_one_entry(site: Site) -> None:
    ctx = site.app.ctx
    bound = [b for _, _, b in _entries(site, "account_changed") if b["change"] == "oidc_bound"]
    assert bound == []
    account = do_bind_oidc_subject(ctx, "detention1", "agency-1", "https://idp.invalid")
    assert account is not None and account.username == "detention1"
    assert do_bind_oidc_subject(ctx, "detention1", "agency-1") == account  # the same person
    assert do_bind_oidc_subject(ctx, "detention1", "agency-2") is None  # another: refused
    assert do_bind_oidc_subject(ctx, "transport1", "agency-1") is None  # bound elsewhere
    assert do_bind_oidc_subject(ctx, "nobody", "agency-3") is None
    entries = [(who, b) for who, _, b in _entries(site, "account_changed")
               if b["change"] == "oidc_bound"]
    assert entries == [("u-detention1", {"change": "oidc_bound", "username": "detention1",
                                         "oidc_subject": "agency-1",
                                         "issuer": "https://idp.invalid"})]
    with ctx.engine.connect() as conn:
        assert conn.execute(text("SELECT oidc_subject FROM accounts WHERE username = "
                                 "'transport1'")).scalar() is None


def test_an_inactive_account_is_not_bound(site: Site) -> None:
    do_update_account(site.app.ctx, ADMIN, "oversight1", active=False)
    assert do_bind_oidc_subject(site.app.ctx, "oversight1", "agency-5") is None
    with site.app.ctx.engine.connect() as conn:
        account = get_account(conn, "oversight1")
        assert account is not None and not account.active
        assert conn.execute(text("SELECT oidc_subject FROM accounts WHERE username = "
                                 "'oversight1'")).scalar() is None
    assert _check(site) == []
