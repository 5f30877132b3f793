"""docs/law.md says, for every row of the legal catalogue (shared/LAW.md), whether it is
implemented and where, or why not; and every guard registered in code is either a LAW.md row or
one of the software's own rules."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from duecourse.law.rules import all_guards

REPO_ROOT = Path(__file__).resolve().parents[2]
LAW_MD = REPO_ROOT.parent / "shared" / "LAW.md"
DOCS = REPO_ROOT / "docs" / "law.md"
STATUS_HEADING = "## Every row of LAW.md: implemented or not"
# Guards of the software itself and of duecourse's own rows (documented in docs/law.md).
OWN_RULES = {"ROLE", "LIFECYCLE", "TEXT", "REASON", "NAMED-ROLE", "CUSTODY-CLOSE", "TRAVEL-DOC",
             "ID-1", "REVOKE", "HANDOVER"}


def _law_ids() -> set[str]:
    if not LAW_MD.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the legal catalogue is missing: {LAW_MD}")
        pytest.skip("the shared folder is not beside the repository")
    ids = set(re.findall(r"^\| ([A-Z0-9][A-Z0-9/-]*[A-Z0-9]) \|", LAW_MD.read_text(), re.M))
    return {i for i in ids if not i.isdigit() and i != "ID"}


def _status_rows() -> dict[str, str]:
    text = DOCS.read_text()
    assert STATUS_HEADING in text, "docs/law.md has no catalogue status table"
    table = text.split(STATUS_HEADING, 1)[1]
    rows = re.findall(r"^\| ([^|]+?) \| ([^|]+?) \|", table, re.M)
    return {ident.strip(): status for ident, status in rows}


def test_every_row_of_the_catalogue_is_in_the_status_table() -> None:
    rows = _status_rows()
    listed = {part.strip() for key in rows for part in key.split(",")}
    missing = sorted(i for i in _law_ids() if i not in listed)
    assert not missing, f"docs/law.md does not say what became of: {', '.join(missing)}"


def test_a_row_not_implemented_says_why() -> None:
    for ident, status in _status_rows().items():
        if status.startswith("not implemented"):
            text = DOCS.read_text().split(STATUS_HEADING, 1)[1]
            line = next(x for x in text.splitlines() if x.startswith(f"| {ident} |"))
            assert len(line.split("|")[3].strip()) > 20, f"{ident}: no reason given"


def test_every_guard_in_code_is_a_catalogue_row_or_our_own() -> None:
    law = _law_ids()
    unknown = sorted({g.id for g in all_guards()} - law - OWN_RULES)
    assert not unknown, f"guards with no LAW.md row and not documented as our own: {unknown}"


def test_every_implemented_row_names_a_registered_guard_when_it_says_guard() -> None:
    registered = {g.id for g in all_guards()}
    for ident, status in _status_rows().items():
        if "guard" in status and status.startswith("implemented") and "," not in ident:
            assert ident in registered, f"docs/law.md says {ident} has a guard; none is registered"
