"""The bodies that issue the documents a case records (PROVENANCE): an immigration court, the
Board of Immigration Appeals, a federal court, a USCIS asylum office, or DHS itself.

Codes: an EOIR base-city code ("NEW"); "BIA"; "SCOTUS", a court of appeals ("CA1".."CA11",
"CADC") or a district court ("USDC-" + the state's two letters + an optional N, S, E, W, M or C
for the district: "USDC-MA", "USDC-NYS"); "USCIS-" + an asylum office; "DHS".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .courts import court_of

ASYLUM_OFFICES = {
    "ARL": "Arlington", "BOS": "Boston", "CHI": "Chicago", "HOU": "Houston",
    "LOS": "Los Angeles", "MIA": "Miami", "NEW": "Newark", "NOL": "New Orleans",
    "NYC": "New York", "SFR": "San Francisco", "SEA": "Seattle",
}
_ORDINAL = {1: "st", 2: "nd", 3: "rd"}
CIRCUITS = {f"CA{n}": f"Court of Appeals for the {n}{_ORDINAL.get(n, 'th')} Circuit"
            for n in range(1, 12)} | {"CADC": "Court of Appeals for the D.C. Circuit",
                                      "SCOTUS": "Supreme Court of the United States"}
# The states, the District of Columbia and the territories with a U.S. district court.
DISTRICT_STATES = frozenset(
    [
        "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "GU", "HI",
        "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS",
        "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "MP", "OH", "OK",
        "OR", "PA", "PR", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VI", "VA", "WA",
        "WV", "WI", "WY"
    ])
_DISTRICT = re.compile(r"^USDC-([A-Z]{2})([NSEWMC]?)$")

KINDS = ("immigration_court", "bia", "federal_court", "asylum_office", "dhs")


@dataclass(frozen=True)
class Issuer:
    code: str
    kind: str  # one of KINDS
    name: str


def issuer(value: str) -> Issuer:
    """The issuing body ``value`` names; ``ValueError`` naming it if it is none of the above."""
    code = " ".join(value.split()).upper().replace(" ", "")
    if code == "BIA":
        return Issuer(code, "bia", "Board of Immigration Appeals")
    if code == "DHS":
        return Issuer(code, "dhs", "Department of Homeland Security")
    if code in CIRCUITS:
        return Issuer(code, "federal_court", CIRCUITS[code])
    m = _DISTRICT.match(code)
    if m and m.group(1) in DISTRICT_STATES:
        part = {"N": "Northern ", "S": "Southern ", "E": "Eastern ", "W": "Western ",
                "M": "Middle ", "C": "Central ", "": ""}[m.group(2)]
        return Issuer(code, "federal_court", f"U.S. District Court, {part}District of {m.group(1)}")
    if code.startswith("USCIS-") and code[6:] in ASYLUM_OFFICES:
        return Issuer(code, "asylum_office", f"USCIS {ASYLUM_OFFICES[code[6:]]} Asylum Office")
    court = court_of(code)
    if court is not None and court.is_court:
        return Issuer(court.code, "immigration_court",
                      f"Immigration Court, {court.city.title()}, {court.state}")
    raise ValueError(
        f"'{value.strip()[:40]}' is not a known issuing body: an immigration court's base-city "
        "code (NEW), BIA, a federal court (CA9, CADC, SCOTUS, USDC-MA), a USCIS asylum office "
        "(USCIS-NYC) or DHS")


def issuer_options() -> list[tuple[str, str]]:
    """(code, name) of the bodies a picker offers (district courts are typed)."""
    from .courts import load_courts

    out = [("BIA", "Board of Immigration Appeals"), ("DHS", "Department of Homeland Security")]
    out += sorted(CIRCUITS.items())
    out += [(f"USCIS-{k}", f"USCIS {v} Asylum Office") for k, v in sorted(ASYLUM_OFFICES.items())]
    out += [(c.code, f"Immigration Court, {c.city.title()}, {c.state}")
            for c in sorted(load_courts().values(), key=lambda c: c.code)
            if c.active and c.is_court]
    return out
