"""The checker's own legal values and vocabularies, each with its source. They are kept here, not
read from ``law/parameters``: where a deployment's parameter is stricter than the law (the guards'
default notice period for a third country, for example), the checker holds the legal floor and
flags only what the law forbids."""

from __future__ import annotations

# -- counted periods ---------------------------------------------------------------------------

# 8 CFR 1003.38(b)-(c): the Notice of Appeal must reach the BIA within 30 calendar days of the
# decision; a last day on a Saturday, Sunday or legal holiday (or a day the BIA is closed: BIA
# Practice Manual 3.1, 4.5; LEGAL-DAY) runs to the next business day.
APP30_DAYS = 30
# The window ends at the end of that day where the filing is received — the BIA, Falls Church,
# Virginia (Eastern time) — or, when later, where the order's court keeps its days: the Board
# deems an electronic filing filed "on the date it was submitted" (BIA Practice Manual 3.1(a)(1);
# 8 CFR 1001.1(dd)) without naming a zone.
APP30_FILING_ZONE = "America/New_York"
APP30_CLOSURE_SCOPES = frozenset({"BIA", "ALL"})

# INA 240(b)(5)(C)(i); 8 CFR 1003.23(b)(4)(ii): a motion to reopen an in-absentia order for
# exceptional circumstances stays removal only if filed within 180 days of the order; one for
# lack of notice or because the person was in custody may be filed (and stays removal) any time.
MTR_EXCEPTIONAL_DAYS = 180
MTR_ANY_TIME_GROUNDS = frozenset({"lack_of_notice", "in_custody"})
MTR_TIMED_GROUNDS = frozenset({"exceptional_circumstances"})

# ICE memorandum of 9 Jul 2025 (LAW.md 3RD-CTRY): at least 24 hours between the written notice of
# removal to a third country and the removal (6 h "in exigent circumstances" is not taken). The
# guards' configurable default (10 days, the 2025 preliminary-injunction standard) is longer; the
# checker holds the floor.
THIRD_COUNTRY_MIN_NOTICE_HOURS = 24

# Statutory clocks (clock hours).
CUS48_HOURS = 48  # 8 CFR 287.3(d) (66 FR 48334)
UAC48_HOURS = 48  # 8 U.S.C. 1232(b)(2)
UAC72_HOURS = 72  # 8 U.S.C. 1232(b)(3)

# -- who and what ------------------------------------------------------------------------------

KNOWN_ROLES = frozenset({
    "officer", "supervisor", "counsel", "detention", "transport", "oversight", "attorney", "admin",
})
NEVER_WRITE = frozenset({"oversight", "admin"})  # DESIGN.md: read and report, never case facts

# Enforcement against the person (ICE Directive 16001.2). A custody decision is adverse only when
# it keeps the person in custody (detain) or conditions release on a bond.
ADVERSE_KINDS: frozenset[str] = frozenset({
    "arrest_warrant_issued", "arrest_recorded", "custody_determined", "placed", "transferred",
    "nta_issued", "nta_served", "hearing_scheduled", "removal_warrant_issued",
    "removal_scheduled", "removal_recorded",
})
ADVERSE_CUSTODY = frozenset({"detain", "bond"})
# A recorded nationality of the United States or of a territory whose people are citizens or
# nationals by statute (8 U.S.C. 1401 the United States; 1402 Puerto Rico; 1406 the U.S. Virgin
# Islands; 1407 Guam; 1408 the outlying possessions, American Samoa and Swains Island; the U.S.
# Minor Outlying Islands, UM; 48 U.S.C. 1801 the Northern Mariana Islands) opens a citizenship
# review from the opening, as a claim would (ICE Directive 16001.2: investigate any indication).
US_NATIONALITIES = frozenset({"US", "PR", "GU", "VI", "MP", "AS", "UM"})
# ICE Directive 16001.2; GAO-21-487: what must wait for an uncertain identity link to be decided.
ID1_KINDS = frozenset({
    "arrest_warrant_issued", "arrest_recorded", "custody_determined", "nta_issued", "nta_served",
    "removal_warrant_issued", "removal_scheduled", "removal_recorded",
})
REMOVAL_KINDS = frozenset({"removal_scheduled", "removal_recorded"})
REMOVAL_OUTCOMES = frozenset({"removal", "voluntary_departure"})
HELD = frozenset({"arrested", "detained"})  # in DHS custody
# INA 240(b)(5)(A): the government must produce a person it holds; an order in absentia may not be
# entered against a person in its custody at the hearing's time - DHS's (arrested, detained) or
# ORR's (a child transferred to the Office of Refugee Resettlement, 8 U.S.C. 1232(b)).
GOVERNMENT_CUSTODY = HELD | frozenset({"with_orr"})
PARTIES = ("respondent", "dhs")

# PROVENANCE (spec sections 2-3): who may confirm an entry that removes a protection, and who may
# decide a fear claim (never an actor of the enforcement chain on the case).
CONFIRMER_ROLES = frozenset({"supervisor", "counsel"})
FEAR_DECIDER_ROLES = frozenset({"supervisor", "counsel"})

# Which issuing body may lift which kind of stay (spec section 2, lift_stay).
STAY_KINDS = frozenset({"judicial", "bia", "ij", "dhs", "mtr"})
MAY_LIFT: dict[str, frozenset[str]] = {
    "federal_court": STAY_KINDS,
    "bia": frozenset({"bia", "ij", "mtr", "dhs"}),
    "immigration_court": frozenset({"ij", "mtr"}),
    "dhs": frozenset({"dhs"}),
}
