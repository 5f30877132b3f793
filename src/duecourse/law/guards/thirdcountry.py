"""Removal to a third country: a country that is neither one of the person's nationalities nor
the one the order designates (LAW.md 3RD-CTRY).

Before such a removal the person must have been served written notice naming the country, in a
language they understand; the departure must come at least the notice period after it
(``3RD-CTRY.min_notice_hours``: 10 days by default, the standard of the 2025 preliminary
injunction that LAW.md recommends; a deployment may not go below the 24 hours of current
policy); and no claim to fear that country may be awaiting its screening or have been found
established. Diplomatic assurances are recorded with the notice but do not shorten it.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from ...domain.commands import DecideFearClaim, ServeThirdCountryNotice
from ..framework import GuardInput, guard
from ..params import param
from .orders import understood
from .transport import REMOVAL, departure_time, destination


def home_countries(g: GuardInput) -> set[str]:
    """The countries a removal may go to without third-country procedure."""
    s = g.state
    out = {str(n).strip().upper() for n in s.person.get("nationalities") or () if n}
    if s.order is not None and s.order.designated_country:
        out.add(s.order.designated_country.strip().upper())
    return out


@guard(
    "3RD-CTRY", title="Removal to a third country only after written notice and time to claim fear",
    citation="INA 241(b)(1)-(2); 8 CFR 1208.16-.18; D.V.D. v. DHS (D. Mass., PI 18 Apr 2025; "
             "stayed 23 Jun 2025, DHS v. D.V.D., 606 U.S. ___); ICE memo of 9 Jul 2025",
    protects="no one is sent to a country that is neither theirs nor the one the judge "
             "designated without notice and a chance to say they fear it",
    confidence="C", commands=REMOVAL, effective_from="1997-04-01",
    verified="2026-11-22", source="LAW.md B2",
)
def third_country(g: GuardInput) -> str | None:
    dest = destination(g)
    home = home_countries(g)
    s = g.state
    if s.fear_claims.get(dest) == "pending":  # whatever the country, a claim awaits screening
        return f"the person's claim to fear {dest} awaits its screening"
    if not dest or dest in home:
        return None
    theirs = ", ".join(sorted(home)) or "none on file"
    served = s.third_country_notices.get(dest)
    if served is None:
        return (f"{dest} is a third country (the person's countries and the designated one: "
                f"{theirs}); written notice of removal to {dest}, in a language the person "
                "understands, must be served first")
    leaves = departure_time(g)
    hours = int(param("3RD-CTRY.min_notice_hours", leaves.astimezone(UTC).date()))
    if leaves < served + timedelta(hours=hours):
        return (f"the notice of removal to {dest} was served {served:%Y-%m-%d %H:%M} UTC; the "
                f"departure must be at least {hours} hours later, not before "
                f"{served + timedelta(hours=hours):%Y-%m-%d %H:%M} UTC, so that the person can "
                "claim fear and reach counsel")
    claim = s.fear_claims.get(dest)
    if claim == "fear_established":
        return (f"the screening found the person's fear of {dest} established; no removal there "
                "without protection proceedings")
    return None


@guard(
    "3RD-CTRY", title="A third-country notice in a language the person understands",
    citation="D.V.D. v. DHS (D. Mass., PI 18 Apr 2025); ICE memo of 9 Jul 2025 (LAW.md 3RD-CTRY)",
    protects="a notice counts only if the person can understand it",
    confidence="C", commands={"serve_third_country_notice", "decide_fear_claim"},
    effective_from="1997-04-01", verified="2026-12-07",
    source="LAW.md B2",
)
def notice_understood(g: GuardInput) -> str | None:
    cmd = g.command
    if isinstance(cmd, ServeThirdCountryNotice):
        return understood(g.state, cmd.language, cmd.interpreter, "notice")
    if isinstance(cmd, DecideFearClaim) and g.state.fear_claims.get(cmd.country) == "fear_established":
        return (f"the person's fear of {cmd.country} was found established; that protection stays "
                "in force for the life of the case, and only a court or BIA order that names it "
                "(terminates_protection) can end it")
    return None
