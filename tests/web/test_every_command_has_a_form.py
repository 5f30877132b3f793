"""Every command a role may give (law/guards/authority.py AUTHORITY) has a form on the case page in
a state where it can be lawful: a just-opened case, an arrested person, a served NTA, an order in
its appeal window; and the commands that wait on an earlier act (a decision on an appeal, the
notice to HHS of a child) appear once that act is recorded through its own form. On both
backends."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from duecourse.law.guards.authority import AUTHORITY
from web.support import PURPOSE, Site, build_site, charged_case, csrf, sign_in

# Commands that no seeded state makes possible, with the act they wait on. Each is offered once
# that act is recorded (see the tests below, and tests/e2e/test_lifecycle.py for the removal).
LATER: dict[str, str] = {
    "decide_appeal": "an appeal filed",
    "notify_hhs": "a child flagged",
    "transfer_to_orr": "a child flagged",
    "record_removal": "a removal scheduled",
    "propose_identity_link": "an identity match awaiting review",
    "confirm_identity_link": "an identity link proposed",
    "reject_identity_link": "an identity link proposed",
}


@pytest.fixture
def site(db_url: str) -> Site:
    site = build_site(db_url)
    site.cases["dan"] = charged_case(site, "Charged", "Dan")
    return site


def offered(c: TestClient, case: str) -> set[str]:
    """The commands whose form the case page offers."""
    return set(re.findall(r'<details [^>]*id="form-([a-z_0-9]+)"', c.get(f"/cases/{case}").text))


def submit(c: TestClient, case: str, name: str, data: dict[str, str]) -> None:
    r = c.post(f"/cases/{case}/commands/{name}", follow_redirects=False,
               data={"csrf_token": csrf(c, f"/cases/{case}"), **data})
    assert r.status_code == 303, r.text


@pytest.mark.parametrize("role", [r for r, cmds in AUTHORITY.items() if cmds])
def test_each_command_of_the_role_has_a_form_in_some_state(site: Site, role: str) -> None:
    c = sign_in(site, role, PURPOSE[role])
    seen: set[str] = set()
    for case in site.cases.values():
        seen |= offered(c, case)
    if "open_case" in AUTHORITY[role]:  # the encounter's form is a page of its own
        assert 'id="form-open_case"' in c.get("/cases/new").text
        seen.add("open_case")
    missing = sorted(set(AUTHORITY[role]) - seen - set(LATER))
    assert not missing, f"{role} has no form for {missing} on any case"
    assert seen <= set(AUTHORITY[role]), sorted(seen - set(AUTHORITY[role]))


def test_a_decision_on_an_appeal_is_offered_once_the_appeal_is_filed(site: Site) -> None:
    ben = site.cases["ben"]
    counsel = sign_in(site, "counsel", PURPOSE["counsel"])
    assert "decide_appeal" not in offered(counsel, ben)
    submit(sign_in(site, "attorney", PURPOSE["attorney"]), ben, "file_appeal",
           {"party": "respondent"})
    assert "decide_appeal" in offered(counsel, ben)


def test_the_notice_to_hhs_is_offered_once_a_child_is_flagged(site: Site) -> None:
    ana = site.cases["ana"]
    detention = sign_in(site, "detention", PURPOSE["detention"])
    assert not {"notify_hhs", "transfer_to_orr"} & offered(detention, ana)
    submit(sign_in(site, "officer"), ana, "flag_minor",
           {"unaccompanied": "on", "age_basis": "says she is 15; school card from 2024"})
    assert {"notify_hhs", "transfer_to_orr"} <= offered(detention, ana)
