"""The verifier's quick formatters give exactly the bytes of the generic canonical encoder."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from duecourse.app import ledger as L

# Any text, including control characters, quotes, backslashes, non-ASCII and lone surrogates.
TEXT = st.text(st.characters(codec=None), max_size=40)
SEQ = st.integers(min_value=-(2**70), max_value=2**70)
COLUMNS = ("at", "kind", "actor_id", "actor_role", "purpose", "case_id", "body")


def _same_outcome(fast: object, slow: object) -> None:
    outcomes = []
    for f in (fast, slow):
        try:
            outcomes.append(("value", f()))  # type: ignore[operator]
        except (TypeError, ValueError) as e:
            outcomes.append(("error", type(e).__name__))
    assert outcomes[0] == outcomes[1]


@given(SEQ, st.tuples(*[TEXT] * len(COLUMNS)))
def test_entry_bytes_of_is_entry_bytes(seq: int, texts: tuple[str, ...]) -> None:
    row = dict(zip(COLUMNS, texts, strict=True), seq=seq)
    _same_outcome(lambda: L.entry_bytes_of(seq, *texts), lambda: L.entry_bytes(row))


@given(SEQ, st.tuples(*[TEXT] * 6))
def test_event_hash_of_is_event_hash(seq: int, t: tuple[str, ...]) -> None:
    case_id, kind, at, actor_id, actor_role, data = t
    row = {"case_id": case_id, "seq": seq, "kind": kind, "at": at, "actor_id": actor_id,
           "actor_role": actor_role, "data": data}
    _same_outcome(lambda: L.event_hash_of(case_id, seq, kind, at, actor_id, actor_role, data),
                  lambda: L.event_hash(row))


@pytest.mark.parametrize("seq", [True, 1.0, "1", None])
def test_quick_formatters_refuse_a_seq_that_is_not_an_int(seq: object) -> None:
    with pytest.raises(TypeError):
        L.entry_bytes_of(seq, "a", "b", "c", "d", "e", "f", "g")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        L.event_hash_of("c", seq, "k", "a", "i", "r", "d")  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [1, b"x", None, 1.5])
def test_quick_formatters_refuse_a_column_that_is_not_text(bad: object) -> None:
    with pytest.raises(TypeError):
        L.entry_bytes_of(1, "a", "b", "c", "d", "e", "f", bad)  # type: ignore[arg-type]
