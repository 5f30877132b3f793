"""What the handlers need from the outside world, wired once in bootstrap.py."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine


@dataclass
class Ids:
    """Case and person identifiers; seeded for reproducible demos and tests."""

    seed: int | None = None
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed) if self.seed is not None else random.SystemRandom()

    def _token(self) -> str:
        return "".join(self._rng.choice("0123456789ABCDEFGHJKLMNPQRSTVWXYZ") for _ in range(10))

    def case_id(self) -> str:
        return "C-" + self._token()

    def person_id(self) -> str:
        return "P-" + self._token()

    def batch_suffix(self) -> str:
        """Six characters that tell apart batches imported in the same second."""
        return self._token()[:6]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class AppContext:
    engine: Engine
    signing_key: Ed25519PrivateKey
    ids: Ids
    clock: Callable[[], datetime] = system_clock
    # Adds to a command's event what the store knows (app/identity.py: the identity assessment
    # on open_case); called by the handler in its transaction. None: nothing is added.
    enrich: Callable[[Any, Any, Any, dict[str, Any]], None] | None = None
    # The key of the search terms' HMAC in the ledger (app/search_terms.py); None: searches by
    # name or number are refused (bootstrap.load_terms_key fails closed at start).
    terms_key: bytes | None = None
