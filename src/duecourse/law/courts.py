"""Immigration courts: the table lives in ``duecourse.reference.courts`` (reference data shared by
the parser of commands and the law); re-exported here for the guards."""

from __future__ import annotations

from ..reference.courts import Court, court_of, is_known_court, load_courts

__all__ = ["Court", "court_of", "is_known_court", "load_courts"]
