"""The independent after-the-fact checker (LAW.md): see ``duecourse.law.checker``.

This module keeps the public names; the checker itself lives in the ``checker`` package, which
imports nothing from the rest of ``duecourse.law``, from ``duecourse.domain.case`` or from
``duecourse.reference``.
"""

from __future__ import annotations

from .checker import ADVERSE_KINDS, Violation, appeal_window_end, check_history, check_store

__all__ = ["ADVERSE_KINDS", "Violation", "appeal_window_end", "check_history", "check_store"]
