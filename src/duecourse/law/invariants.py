"""The independent after-the-fact checker (LAW.md): see ``duecourse.law.checker``.

This module keeps the public names; the checker itself lives in the ``checker`` package, which
imports nothing from the rest of ``duecourse.law``, from ``duecourse.domain.case`` or from
``duecourse.reference``. It is handed events as data and never reads the database: the app's
``check_store`` (app/invariants.py) reads every case's history through the store's one event
reader and hands it to ``check_cases``.
"""

from __future__ import annotations

from .checker import ADVERSE_KINDS, Violation, appeal_window_end, check_cases, check_history

__all__ = ["ADVERSE_KINDS", "Violation", "appeal_window_end", "check_cases", "check_history"]
