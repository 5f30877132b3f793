"""Two invented lists that each hold one record per person: a roster and a transfer list of the
same four people, the fourth known on the transfer list by her names alone (shared by the
identity unit and command-line tests; conftest's folder is on the import path)."""

from __future__ import annotations

LISTS = frozenset({"roster", "transfers"})
ROSTER = [
    dict(record_id="r-1", family_name="Okafor", given_name="Chidi", birth_date="1983-09-17",
         sex="M", nationality="NG", address="4 Bay Road", city="Baltimore", postcode="21201"),
    dict(record_id="r-2", family_name="Reed", given_name="Samuel", birth_date="1988-03-14",
         sex="M", nationality="US", address="9 Hill Street", city="Dover", postcode="19901"),
    dict(record_id="r-3", family_name="Lindqvist", given_name="Anna", birth_date="1975-01-30",
         sex="F", nationality="SE", address="77 Lake Avenue", city="Duluth", postcode="55802"),
    dict(record_id="r-4", family_name="Mbeki", given_name="Thandiwe", birth_date="1992-11-05",
         sex="F", nationality="ZA", address="15 Pine Court", city="Tulsa", postcode="74103"),
]
# The same four people; the fourth with little but her names.
TRANSFERS = [
    {**ROSTER[0], "record_id": "t-1", "address": "4 Bay Rd"},
    {**ROSTER[1], "record_id": "t-2", "address": "9 Hill St"},
    {**ROSTER[2], "record_id": "t-3", "address": "77 Lake Ave"},
    dict(record_id="t-4", family_name="MBEKI", given_name="thandiwe"),
]
