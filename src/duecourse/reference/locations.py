"""The kinds of place an arrest or an encounter happens at: a closed list of codes.

Two lists matter to the law (docs/law.md, SENS-LOC and VAWA-1367):

* ``PROTECTED`` — the protected areas of the DHS memorandum of 27 Oct 2021 (schools, medical
  and mental-health facilities, places of worship, places where children gather, social
  services, disaster and emergency response sites, funerals, weddings and other religious
  ceremonies, demonstrations), kept as agency policy although the memorandum was rescinded on
  20 Jan 2025 (SENS-LOC);
* ``SECTION_239E`` — the places of INA 239(e)(1) (8 U.S.C. 1229(e)(1)): a domestic violence
  shelter, a rape crisis center, a supervised visitation center, a family justice center, a
  victim services provider, or a courthouse where the person appears in a protection order,
  child custody or other case about domestic violence, sexual assault, trafficking or stalking.
  An enforcement action there puts the statement of compliance on the Notice to Appear, and the
  place itself is information 8 U.S.C. 1367 keeps from those not entitled to it.

``location_code`` turns what a clerk typed into the code (letter case, spaces and hyphens do not
matter, a few unambiguous everyday names are accepted); anything else is returned as typed and
refused by the guard, which names the list. Nothing is guessed: "shelter" alone is refused (a
homeless shelter is social services, a domestic violence shelter is a 239(e) place).
"""

from __future__ import annotations

ORDINARY: tuple[str, ...] = (
    "public", "residence", "workplace", "vehicle", "courthouse", "port_of_entry", "border",
    "custody_facility",
)
PROTECTED: tuple[str, ...] = (
    "school", "medical", "place_of_worship", "childcare", "social_services", "disaster_site",
    "funeral_wedding", "demonstration",
)
SECTION_239E: tuple[str, ...] = (
    "dv_shelter", "rape_crisis_center", "victim_services", "supervised_visitation_center",
    "family_justice_center", "protection_order_courthouse",
)
LOCATION_TYPES: tuple[str, ...] = ORDINARY + PROTECTED + SECTION_239E
# Every 239(e) place is also a protected place for SENS-LOC (a shelter or victim-services site is
# a social-services establishment in the 2021 memorandum's sense).
SENSITIVE: frozenset[str] = frozenset(PROTECTED + SECTION_239E)

_ALIASES: dict[str, str] = {
    "street": "public", "public_place": "public", "home": "residence", "house": "residence",
    "work": "workplace", "traffic_stop": "vehicle", "jail": "custody_facility",
    "prison": "custody_facility", "hospital": "medical", "clinic": "medical",
    "mental_health": "medical", "church": "place_of_worship", "mosque": "place_of_worship",
    "synagogue": "place_of_worship", "temple": "place_of_worship", "daycare": "childcare",
    "day_care": "childcare", "playground": "childcare", "food_bank": "social_services",
    "homeless_shelter": "social_services", "funeral": "funeral_wedding",
    "wedding": "funeral_wedding", "protest": "demonstration", "rally": "demonstration",
    "domestic_violence_shelter": "dv_shelter", "rape_crisis_centre": "rape_crisis_center",
    "victim_services_provider": "victim_services",
    "family_justice_centre": "family_justice_center",
    "supervised_visitation_centre": "supervised_visitation_center",
}


def _key(text: str) -> str:
    return "_".join(text.replace("-", " ").replace("_", " ").casefold().split())


def location_code(text: str) -> str:
    """The code for ``text`` if it names one kind of place on the list; else ``text`` trimmed
    (which ``is_location_code`` rejects)."""
    k = _key(text)
    if k in LOCATION_TYPES:
        return k
    return _ALIASES.get(k, text.strip())


def is_location_code(code: str) -> bool:
    return code in LOCATION_TYPES
