"""The checker's own legal values and vocabularies, each with its source. They are kept here, not
read from ``law/parameters``: where a deployment's parameter is stricter than the law (the guards'
default notice period for a third country, for example), the checker holds the legal floor and
flags only what the law forbids."""

from __future__ import annotations

from datetime import date

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
    "detainer_issued", "release_revoked",  # issue 15: a detainer and a return to custody
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
    "detainer_issued", "release_revoked",
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


# -- issue 15: children, custody, post-order detention, facilities, the missing rows -------------
# Where the law gives no number (an "additional reasonable period", "promptly"), the checker holds
# an outer bound of its own, at or beyond the guards' defaults: it flags what no reading of the
# rule allows, and leaves the stricter default to the guards and their clocks.

# AGE (8 U.S.C. 1232(b)(2)(B); Flores para. 4): a person is a child until their 18th birthday has
# begun everywhere on Earth, at 00:00 of that day at UTC-12 (the protective reading); a birthday
# on 29 February falls on 1 March in a common year.
ADULT_AGE = 18
LAST_ZONE_OFFSET_HOURS = -12
# 8 U.S.C. 1232(b)(4): an age determination on the totality of the evidence; never a radiograph
# alone. A finding of "adult" takes a protection away (PROVENANCE: a second person confirms it).
RADIOGRAPHS = frozenset({"dental_radiograph", "bone_radiograph"})
AGE_MIN_KINDS_FOR_ADULT = 2

# CUS-48 (8 CFR 287.3(d)): "within an additional reasonable period" after an emergency or other
# extraordinary circumstance; UAC-72 (8 U.S.C. 1232(b)(3)): "exceptional circumstances". Neither
# text gives a number: the checker's outer bound is one more full period of 48 hours.
CUS48_EXCEPTION_HOURS = 48
UAC72_EXCEPTION_HOURS = 48

# FLORES para. 12A: a minor in DHS custody goes to a licensed programme within 3 days, or within
# 5 days where none is available in the district: the checker holds the 5 days (120 hours).
FLORES_HOURS = 120
# HOLD-12: 12 hours in a hold room (PBNDS "Hold Rooms"; ERO memorandum of 29 Feb 2008); from the
# nationwide waiver of 24 Jun 2025, 72 hours (the waiver is the floor the checker holds; whether it
# was extended past its year is not known here, so it is held open-ended).
HOLD_ROOM_HOURS = 12
HOLD_ROOM_WAIVER_FROM = date(2025, 6, 24)
HOLD_ROOM_WAIVER_HOURS = 72
HOLD_ROOM = "hold_room"
ADULT_FACILITY = "adult"

# XFER (ICE Directive 11022.1, 2012; LAW.md): a transfer within 72 hours of a scheduled hearing needs
# a supervisor's approval with a reason; the attorney of record is told before a transfer, or, in
# an emergency, no later than 24 hours after it.
XFER_HEARING_WINDOW_HOURS = 72
XFER_EMERGENCY_NOTICE_HOURS = 24
# Dir. 11022.1 sec. 3.2: a move out of intake processing (hold rooms, facilities authorised for less
# than 72 hours) is no "detainee transfer". Those places hold a person 72 hours at most: the move
# needs no notice only within 72 hours of being taken into custody, from a person held since then
# only in such places.
XFER_INTAKE_HOURS = 72

# POCR (8 CFR 241.4(h)(2)): written notice approximately 30 days before the records review; the
# checker requires 30 calendar days before a review that continues detention.
POCR_NOTICE_DAYS = 30

# BOND-STAY (8 CFR 1003.19(i)(2)): DHS's EOIR-43 stays an immigration judge's release order only if
# filed within one business day of the order, and only where DHS had determined that the person
# should not be released or had set a bond of $10,000 or more.
BOND_STAY_BUSINESS_DAYS = 1
BOND_STAY_MIN_BOND = 10_000

# PRE-ORDER: the custody authorities (INA sections), with their 8 U.S.C. equivalents; a detention
# under a mandatory one needs an agency attorney's (counsel's) sign-off.
CUSTODY_AUTHORITIES = frozenset({"235(b)(1)", "235(b)(2)(A)", "236(a)", "236(c)", "241(a)"})
MANDATORY_AUTHORITIES = frozenset({"235(b)(1)", "235(b)(2)(A)", "236(c)"})
USC_SECTIONS = {"1225": "235", "1226": "236", "1231": "241"}

# DET-1 (8 CFR 287.7(a)-(b); ICE Policy 10074.2; I-247A): who may issue, on which basis, with which
# warrant attached.
DETAINER_ISSUERS = frozenset({"officer", "supervisor"})
PROBABLE_CAUSE_BASES = frozenset({"final_order", "pending_proceedings", "biometric_records",
                                  "statements"})

# CON-2: countries and jurisdictions with mandatory consular notification (U.S. Department of
# State, Consular Notification and Access Manual, 5th ed.; travel.state.gov list), as ISO codes:
# the United Kingdom with its Crown Dependencies and Overseas Territories, China with Hong Kong and
# Macao. Poland is mandatory only for people who are not lawful permanent residents: the checker,
# which cannot see that status, counts a notice to Poland as lawful but does not run its clock.
MANDATORY_NOTIFICATION = frozenset({
    "AL", "DZ", "AG", "AM", "AZ", "BS", "BB", "BY", "BZ", "BN", "BG", "CN", "HK", "MO", "CR", "CY",
    "CZ", "DM", "FJ", "GM", "GE", "GH", "GD", "GY", "HU", "JM", "KZ", "KI", "KW", "KG", "MY", "MT",
    "MU", "MD", "MN", "NG", "PH", "PL", "RO", "RU", "KN", "LC", "VC", "SC", "SL", "SG", "SK", "TJ",
    "TZ", "TO", "TT", "TN", "TM", "TV", "UA", "GB", "AI", "BM", "VG", "KY", "GI", "MS", "TC", "JE",
    "GG", "IM", "UZ", "ZM", "ZW",
})
MANDATORY_NOTIFICATION_CLOCK = MANDATORY_NOTIFICATION - {"PL"}
# State Department guidance expects notice within 24 to 72 hours: the checker holds the 72.
CON2_HOURS = 72
# CON-1: "without delay" (VCCR art. 36(1)(b)); the checker holds the floor of the parameter
# (48 hours, the custody decision's own limit), not the 24-hour policy default.
CON1_HOURS = 48

# SENS-LOC (DHS memorandum of 27 Oct 2021, as the agency's policy): protected areas; VAWA-1367 /
# INA 239(e) (8 U.S.C. 1229(e)): places where an enforcement action puts the compliance statement
# on the Notice to Appear. Types are compared trimmed, lower case, spaces and hyphens as "_".
SENSITIVE_LOCATIONS = frozenset({
    "school", "medical", "hospital", "place_of_worship", "church", "childcare", "playground",
    "social_services", "disaster_site", "funeral_wedding", "funeral", "wedding", "demonstration",
})
SECTION_239E_LOCATIONS = frozenset({
    "dv_shelter", "domestic_violence_shelter", "shelter", "rape_crisis_center",
    "victim_services", "victim_services_provider", "supervised_visitation_center",
    "family_justice_center", "courthouse_protection_order", "courthouse_custody",
    "protection_order_courthouse", "courthouse_dv",
})

# REASON (duecourse policy; 5 U.S.C. 552a(e)(5)): every act that changes a person's liberty or case
# records a reason.
REASON_KINDS = frozenset({"custody_determined", "placed", "transferred", "released",
                          "custody_reviewed", "case_closed"})

# COUNSEL-LIST (INA 239(b)(2)): the free legal services list is updated at least quarterly.
COUNSEL_LIST_DAYS = 92

# FAIL-CLOSED: the law an act needs, and the day it came into force. An act recorded before that
# day had no law to rest on. (IIRIRA, Pub. L. 104-208, div. C, in force 1 Apr 1997: removal
# proceedings, the Notice to Appear, INA 236 and 241; 62 FR 10312: 8 CFR 236.1, 241.2, 287.7 in
# their present form; 65 FR 80281: 8 CFR 241.4; 66 FR 56967: 8 CFR 241.13; the Homeland Security
# Act, 6 U.S.C. 279, in force 1 Mar 2003: ORR custody of children; TVPRA 2008 sec. 235, in force
# 23 Mar 2009: 8 U.S.C. 1232(b)(4); VAWA 2013 sec. 1261, 7 Mar 2013: 8 U.S.C. 1232(c)(2)(B); the
# Immigration and Nationality Act itself, 24 Dec 1952: arrests under INA 287.)
_IIRIRA = (date(1997, 4, 1), "IIRIRA (in force 1 Apr 1997)")
IN_FORCE: dict[str, tuple[date, str]] = {
    "arrest_recorded": (date(1952, 12, 24), "INA 287 (in force 24 Dec 1952)"),
    "arrest_warrant_issued": _IIRIRA, "custody_determined": _IIRIRA, "nta_issued": _IIRIRA,
    "nta_served": _IIRIRA, "order_recorded": _IIRIRA, "removal_warrant_issued": _IIRIRA,
    "removal_scheduled": _IIRIRA, "removal_recorded": _IIRIRA, "detainer_issued": _IIRIRA,
    "pocr_notice_served": (date(2000, 12, 21), "8 CFR 241.4 (65 FR 80281, 21 Dec 2000)"),
    "release_revoked": (date(2000, 12, 21), "8 CFR 241.4(l) (65 FR 80281, 21 Dec 2000)"),
    "transferred_to_orr": (date(2003, 3, 1), "6 U.S.C. 279 (in force 1 Mar 2003)"),
    "age_determined": (date(2009, 3, 23), "8 U.S.C. 1232(b)(4) (TVPRA, in force 23 Mar 2009)"),
    "age_out_recorded": (date(2013, 3, 7), "8 U.S.C. 1232(c)(2)(B) (VAWA 2013, 7 Mar 2013)"),
}

# TEXT (issue 15, item 2): required text that is blank or only spaces is no text. A field absent
# from a record is a record from before the field existed (other rules judge what it lacks).
REQUIRED_TEXT: dict[str, tuple[str, ...]] = {
    "case_opened": ("legal_basis",),
    "custody_determined": ("authority",),
    "citizenship_claimed": ("evidence",),
    "citizenship_resolved": ("evidence", "counsel"),
    "minor_flagged": ("age_basis",),
    "age_out_recorded": ("reason",),
    "address_recorded": ("address",),
    "legal_orientation_recorded": ("provider",),
    "classified": ("basis",),
}
# TEXT, REASON (item 2): text that says nothing is no text either - no letter or digit at all, or
# what a hurried clerk types instead (compared folded: compatibility forms and look-alike letters
# as plain Latin, an abbreviation's dots dropped, lower case, everything but letters and digits as
# single spaces; a run of x as "x"), said once or over and over, or followed only by an aside in
# brackets or a "see ..." reference. Checked in the fields above but the user named as counsel
# (NAMED-ROLE judges a name) and a citizenship claim's evidence (any indication is investigated,
# however worded: ICE Directive 16001.2), in every reason of REASON_KINDS, and in an exception's
# reason (one that says nothing, or only names the exception, is no approved exception).
PLACEHOLDER_TEXT = frozenset({
    "reason", "reasons", "no reason", "none", "nil", "null", "n a", "na", "tbd", "tba", "tbc",
    "todo", "x", "test", "testing", "other", "misc", "see file", "see notes",
    "see above", "see attached", "see attachment", "attached", "see record", "see report",
    "see narrative", "as above", "same", "same as above", "per policy", "policy", "ok", "okay",
    "yes", "no", "default", "standard", "routine", "unknown", "not known", "not applicable",
    "not given", "not provided", "none given", "pending", "to follow", "later", "various", "etc",
    "blank", "empty", "dummy", "placeholder", "lorem ipsum", "lorem ipsum dolor sit amet",
    "nothing to add", "nothing to report", "none at this time", "not at this time", "nil return",
    "no reason given", "no reason provided", "none provided", "not stated", "none stated",
    "see case file", "see the case file", "see the file", "see the record", "see the notes",
    "nothing", "unk", "asdf", "qwerty", "to be determined", "to be confirmed", "to be advised",
    # the file pointed at instead of the facts ("please see file", "refer to file", "as per file")
    "see", "please", "please see", "refer to", "refer to the", "as per", "per", "file",
    "the file", "case file", "the case file", "notes", "the notes", "record", "the record",
})
# Text made only of placeholders, one after another, says nothing either: "Reason: N/A", "none -
# pending", "other/unknown", "T B D" (single letters spaced out read as one word).
# Cyrillic and Greek capitals that pass for Latin ones, by their lower-case forms (text is read
# case folded): "N/\u0410" with a Cyrillic A reads "n/a"; and the small capitals ("\u1d1b\u0299\u1d05"
# reads "tbd"), which NFKC leaves as they are.
LOOKALIKE_LETTERS = {
    "\u0430": "a", "\u0432": "b", "\u0435": "e", "\u0451": "e", "\u0456": "i",
    "\u0458": "j", "\u043a": "k", "\u043c": "m", "\u043d": "h", "\u043e": "o",
    "\u0440": "p", "\u0441": "c", "\u0455": "s", "\u0442": "t", "\u0443": "y",
    "\u0445": "x", "\u04cf": "l",
    "\u03b1": "a", "\u03b2": "b", "\u03b5": "e", "\u03b7": "h", "\u03b9": "i",
    "\u03ba": "k", "\u03bc": "m", "\u03bd": "n", "\u03bf": "o", "\u03c1": "p",
    "\u03c4": "t", "\u03c5": "y", "\u03c7": "x", "\u03b6": "z",
    "\u1d00": "a", "\u1d01": "ae", "\u0299": "b", "\u1d03": "b", "\u1d04": "c", "\u1d05": "d",
    "\u1d06": "d", "\u1d07": "e", "\ua730": "f", "\u0262": "g", "\u029c": "h", "\u026a": "i",
    "\u1d0a": "j", "\u1d0b": "k", "\u029f": "l", "\u1d0c": "l", "\u1d0d": "m", "\u0274": "n",
    "\u1d0e": "n", "\u1d0f": "o", "\u1d10": "o", "\u1d15": "ou", "\u1d18": "p", "\ua7af": "q",
    "\u0280": "r", "\u1d19": "r", "\u1d1a": "r", "\ua731": "s", "\u1d1b": "t", "\u1d1c": "u",
    "\u1d20": "v", "\u1d21": "w", "\u028f": "y", "\u1d22": "z",
}
# Fields that are a reference, a citation or a name rather than a statement: digits alone may say
# something there ("20240117"); a reason, the facts, evidence or an address needs a letter.
REFERENCE_TEXT = frozenset({"legal_basis", "authority", "provider"})
PLACEHOLDER_FREE: frozenset[tuple[str, str]] = frozenset(
    (kind, key) for kind, keys in REQUIRED_TEXT.items() for key in keys
    if (kind, key) not in {("citizenship_resolved", "counsel"), ("citizenship_claimed", "evidence")})
# Words that say nothing of a case's facts by themselves: a reason made only of these and of the
# record's own words (its kind, and the decision, kind, finding or exception it names) repeats it.
FILLER_WORDS = frozenset({
    "a", "an", "the", "of", "on", "in", "at", "to", "for", "by", "as", "per", "and", "or", "is",
    "was", "be", "due", "because", "under", "with", "this", "that", "case", "person", "reason",
    "reasons", "exception", "exceptional", "circumstance", "circumstances", "approved",
})
OWN_WORD_KEYS = ("decision", "exception", "kind", "finding", "facility_type")

# NAMED-ROLE (item 2): the people a record names hold the role the law requires - where the store
# knows them. (kind, field) -> the roles that may be named.
NAMED_ROLES: dict[tuple[str, str], frozenset[str]] = {
    ("arrest_warrant_issued", "requested_by"): frozenset({"officer", "supervisor"}),
    ("citizenship_resolved", "counsel"): frozenset({"counsel"}),
    ("custody_determined", "exception_approved_by"): frozenset({"supervisor"}),
    ("transferred_to_orr", "exception_approved_by"): frozenset({"supervisor"}),
}
