"""Identity resolution over the agency's own records: which records are the same person.

Records come only from the agency's lawful sources (encounters, court records, prior case files,
transfers from other custody). duecourse links them with a Fellegi–Sunter model and puts a person
in front of every uncertain match: pairs above the auto-link threshold link by themselves (unless
a veto stops them), pairs between the thresholds wait for review, pairs below are different
people. See docs/identity.md.

The public API:

- :func:`parse_rows` — CSV-shaped rows to :class:`Record` (a value that is not valid flagged and
  kept as given; a broken row refuses all, every problem named);
- :func:`default_model`, :meth:`Model.load`, :func:`train` — the model, stored as JSON with a
  data card;
- :func:`link` → :class:`LinkResult` — batch linkage: auto-links, the review queue, persons;
- :func:`explain` → :class:`Explanation` — the match-weight waterfall of one pair;
- :class:`Index` and :meth:`Index.top` → :class:`Candidate` — one new record against the known.

This package imports nothing from the web or the store.
"""

from .linker import Explanation, LinkResult, ScoredPair, WaterfallStep, explain, link
from .lookup import Candidate, Index
from .model import Model, Thresholds, default_model, train
from .records import (
    ALL_COLUMNS,
    COLUMNS,
    MAX_CELL,
    OPTIONAL_COLUMNS,
    FieldFlag,
    InvalidRecords,
    Record,
    RowProblem,
    check_a_number,
    field_problem,
    parse_rows,
    today_anywhere,
)

__all__ = [
    "ALL_COLUMNS",
    "COLUMNS",
    "MAX_CELL",
    "OPTIONAL_COLUMNS",
    "Candidate",
    "Explanation",
    "FieldFlag",
    "Index",
    "InvalidRecords",
    "LinkResult",
    "Model",
    "Record",
    "RowProblem",
    "ScoredPair",
    "Thresholds",
    "WaterfallStep",
    "check_a_number",
    "default_model",
    "explain",
    "field_problem",
    "link",
    "parse_rows",
    "today_anywhere",
    "train",
]
