"""The database-independent ledger verifier, and canonical entry bytes."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from duecourse.audit.canonical import canonical_json, sha256_hex
from duecourse.audit.checkpoint import Checkpoint, sign_checkpoint
from duecourse.audit.merkle import EMPTY_ROOT, Frontier, leaf_hash, root_from_leaf_hashes
from duecourse.audit.verify import (
    PROGRESS_EVERY,
    StoredEntry,
    VerifyProblem,
    VerifyReport,
    verify_ledger,
)

AT = "2025-03-01T12:00:00Z"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
PUB = KEY.public_key()


@dataclasses.dataclass
class Ledger:
    entries: list[StoredEntry]
    checkpoints: list[Checkpoint]
    head: tuple[int, str]

    def verify(self, **kw: object) -> VerifyReport:
        args: dict[str, object] = {"head": self.head, **kw}
        return verify_ledger(self.entries, self.checkpoints, PUB, **args)  # type: ignore[arg-type]


def body_for(seq: int, note: str = "") -> bytes:
    return canonical_json(
        {"seq": seq, "event": "decision_recorded", "at": AT, "case": f"C-{seq // 3}", "note": note}
    )


def make_ledger(n: int, every: int = 10, key: Ed25519PrivateKey = KEY) -> Ledger:
    entries: list[StoredEntry] = []
    checkpoints: list[Checkpoint] = []
    f = Frontier()
    for seq in range(n):
        body = body_for(seq)
        h = leaf_hash(body)
        entries.append(StoredEntry(seq, body, h.hex()))
        f.append(h)
        if every and f.size % every == 0:
            checkpoints.append(sign_checkpoint(key, f.size, f.root().hex(), AT))
    return Ledger(entries, checkpoints, (f.size, f.root().hex()))


def kinds(report: VerifyReport) -> list[str]:
    return [p.kind for p in report.problems]


# --- canonical JSON ---


def test_canonical_json_is_sorted_compact_utf8() -> None:
    assert canonical_json({"b": 1, "a": [True, None, 1.5], "é": "ñ"}) == (
        '{"a":[true,null,1.5],"b":1,"é":"ñ"}'.encode()
    )
    assert canonical_json({"z": {"y": 1, "x": 2}}) == b'{"z":{"x":2,"y":1}}'
    assert canonical_json((1, "2")) == b'[1,"2"]'
    assert sha256_hex(b"") == EMPTY_ROOT.hex()


@pytest.mark.parametrize(
    "value",
    [
        datetime(2025, 1, 1, tzinfo=UTC),
        date(2025, 1, 1),
        Decimal("1.0"),
        b"bytes",
        {1: "int key"},
        {"nested": [{"when": datetime(2025, 1, 1)}]},
        {1, 2},
    ],
)
def test_canonical_json_rejects_non_json_values(value: object) -> None:
    with pytest.raises(TypeError):
        canonical_json(value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), {"x": -float("inf")}, "\ud800"])
def test_canonical_json_rejects_values_without_canonical_form(value: object) -> None:
    with pytest.raises(ValueError):
        canonical_json(value)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    # Lone surrogates cannot be encoded as UTF-8.
    | st.text(alphabet=st.characters(exclude_categories=["Cs"])),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=5),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@given(json_values)
def test_canonical_json_is_stable_under_key_order(value: object) -> None:
    import json

    once = canonical_json(value)
    assert canonical_json(json.loads(once)) == once
    if isinstance(value, dict):
        reordered = dict(reversed(list(value.items())))
        assert canonical_json(reordered) == once


# --- a clean ledger ---


def test_clean_ledger_verifies() -> None:
    ledger = make_ledger(95, every=10)
    report = ledger.verify()
    assert report.ok, report.problems
    assert report.first_problem is None
    assert report.entries == 95
    assert report.checkpoints == 9
    assert report.root_hex == ledger.head[1]
    assert (
        report.root_hex == root_from_leaf_hashes([leaf_hash(e.body) for e in ledger.entries]).hex()
    )
    assert report.seconds >= 0


def test_empty_ledger() -> None:
    empty_cp = sign_checkpoint(KEY, 0, EMPTY_ROOT.hex(), AT)
    report = verify_ledger([], [empty_cp], PUB, head=(0, EMPTY_ROOT.hex()))
    assert report.ok, report.problems
    assert report.root_hex == EMPTY_ROOT.hex()


def test_streams_a_one_pass_iterator() -> None:
    ledger = make_ledger(50)

    def rows() -> Iterator[StoredEntry]:
        yield from ledger.entries

    report = verify_ledger(rows(), ledger.checkpoints, PUB, head=ledger.head)
    assert report.ok and report.entries == 50


def test_checkpoints_may_come_in_any_order_and_repeat() -> None:
    ledger = make_ledger(40, every=7)
    cps = list(reversed(ledger.checkpoints)) + ledger.checkpoints[:2]
    assert verify_ledger(ledger.entries, cps, PUB, head=ledger.head).ok


def test_uppercase_stored_hex_is_accepted() -> None:
    ledger = make_ledger(5)
    ledger.entries[2] = dataclasses.replace(
        ledger.entries[2], stored_leaf_hex=ledger.entries[2].stored_leaf_hex.upper()
    )
    assert ledger.verify().ok


def test_progress_is_reported() -> None:
    n = PROGRESS_EVERY * 2 + 5
    ledger = make_ledger(n, every=0)
    seen: list[int] = []
    assert ledger.verify(progress=seen.append).ok
    assert seen == [PROGRESS_EVERY, 2 * PROGRESS_EVERY, n]


# --- known-bad fixtures ---


def test_tampered_body() -> None:
    ledger = make_ledger(95, every=10)
    e = ledger.entries[41]
    ledger.entries[41] = dataclasses.replace(e, body=body_for(41, note="rewritten"))
    report = ledger.verify()
    first = report.first_problem
    assert first is not None
    assert (first.seq, first.kind) == (41, "entry")
    assert first.what == (
        "entry 41: its content does not match its stored hash "
        "(the entry or its stored hash was altered)"
    )
    # Every checkpoint from 50 on covers the altered entry, and so does the head.
    assert kinds(report) == ["entry"] + ["checkpoint-root"] * 5 + ["head"]
    assert [p.seq for p in report.problems[1:6]] == [49, 59, 69, 79, 89]
    assert "entries 40–49" in report.problems[1].what


def test_tampered_stored_leaf() -> None:
    ledger = make_ledger(95, every=10)
    e = ledger.entries[41]
    ledger.entries[41] = dataclasses.replace(e, stored_leaf_hex="00" * 32)
    report = ledger.verify()
    # The checkpoints are over the recomputed leaves, which are intact.
    assert report.problems == [
        VerifyProblem(
            41,
            "entry 41: its content does not match its stored hash "
            "(the entry or its stored hash was altered)",
            "entry",
        )
    ]


def test_consistently_rewritten_entry_is_caught_by_checkpoints() -> None:
    ledger = make_ledger(95, every=10)
    body = body_for(41, note="rewritten with a matching hash")
    ledger.entries[41] = StoredEntry(41, body, leaf_hash(body).hex())
    report = ledger.verify()
    first = report.first_problem
    assert first is not None
    assert (first.seq, first.kind) == (49, "checkpoint-root")
    assert "the first 50 entries no longer produce its signed root" in first.what
    assert "entries 40–49" in first.what


def test_bad_signature() -> None:
    ledger = make_ledger(95, every=10)
    cp = ledger.checkpoints[2]  # size 30
    sig = bytearray(bytes.fromhex(cp.signature_hex))
    sig[5] ^= 1
    ledger.checkpoints[2] = dataclasses.replace(cp, signature_hex=sig.hex())
    report = ledger.verify()
    assert report.problems == [
        VerifyProblem(
            29,
            f"checkpoint of 30 entries signed at {AT}: its signature does not verify with "
            "the ledger's public key (the checkpoint was forged or altered)",
            "checkpoint-signature",
        )
    ]


def test_forged_checkpoint_root_with_bad_signature_is_reported_once() -> None:
    ledger = make_ledger(30, every=10)
    cp = ledger.checkpoints[0]
    ledger.checkpoints[0] = dataclasses.replace(cp, root_hex="11" * 32)
    report = ledger.verify()
    assert kinds(report) == ["checkpoint-signature"]
    assert report.problems[0].seq == 9


def test_checkpoint_from_another_key() -> None:
    ledger = make_ledger(30, every=10)
    other = make_ledger(30, every=10, key=OTHER_KEY)
    ledger.checkpoints[1] = other.checkpoints[1]
    report = ledger.verify()
    first = report.first_problem
    assert first is not None
    assert (first.seq, first.kind) == (19, "foreign-key")
    assert "signed by a foreign key, not by the ledger's key" in first.what


def test_truncated_ledger() -> None:
    ledger = make_ledger(95, every=10)
    del ledger.entries[83:]
    report = verify_ledger(ledger.entries, ledger.checkpoints, PUB)
    assert report.problems == [
        VerifyProblem(
            83,
            f"the ledger has 83 entries but a checkpoint of 90 entries signed at {AT} covers 90: "
            "entries 83–89 are missing (entries were erased, or the ledger truncated)",
            "truncated",
        )
    ]
    with_head = ledger.verify()
    assert kinds(with_head) == ["truncated", "head"]
    assert with_head.problems[1].seq == 83


def test_truncated_by_one_entry() -> None:
    ledger = make_ledger(20, every=10)
    del ledger.entries[19:]
    report = verify_ledger(ledger.entries, ledger.checkpoints, PUB)
    first = report.first_problem
    assert first is not None
    assert (first.seq, first.kind) == (19, "truncated")
    assert "entry 19 is missing" in first.what


def test_empty_ledger_with_checkpoints_is_truncated() -> None:
    ledger = make_ledger(10, every=5)
    report = verify_ledger([], ledger.checkpoints, PUB)
    assert kinds(report) == ["truncated"]
    assert report.problems[0].seq == 0


def test_gap() -> None:
    ledger = make_ledger(95, every=10)
    del ledger.entries[17]
    report = ledger.verify()
    first = report.first_problem
    assert first is not None
    assert first == VerifyProblem(
        17,
        "entry 17 is missing: the ledger jumps from entry 16 to entry 18 (an entry was removed)",
        "sequence",
    )
    # Everything after shifts, so every later checkpoint fails, and the last is now beyond.
    assert kinds(report)[:2] == ["sequence", "checkpoint-root"]
    assert report.problems[1].seq == 19


def test_gap_of_several_and_missing_start() -> None:
    ledger = make_ledger(30, every=0)
    del ledger.entries[10:13]
    report = ledger.verify()
    assert report.first_problem is not None
    assert report.first_problem.seq == 10
    assert "entries 10–12 are missing" in report.first_problem.what

    ledger = make_ledger(30, every=0)
    del ledger.entries[0]
    first = ledger.verify().first_problem
    assert first is not None
    assert first.seq == 0 and "starts at entry 1" in first.what


def test_duplicate_and_reordered() -> None:
    ledger = make_ledger(30, every=10)
    ledger.entries.insert(8, ledger.entries[7])
    first = ledger.verify().first_problem
    assert first == VerifyProblem(7, "entry 7 appears twice (an entry was duplicated)", "sequence")

    ledger = make_ledger(30, every=10)
    ledger.entries[5], ledger.entries[6] = ledger.entries[6], ledger.entries[5]
    report = ledger.verify()
    first = report.first_problem
    assert first is not None
    # Streaming, 6 arriving where 5 was expected reads as a gap at 5; then 5 arrives late.
    assert (first.seq, first.kind) == (5, "sequence")
    assert "entry 5 is missing" in first.what
    assert kinds(report)[:3] == ["sequence", "sequence", "checkpoint-root"]
    assert report.problems[1].seq == 5
    assert "entry 5 is out of order: it comes after entry 6" in report.problems[1].what


def test_head_mismatches() -> None:
    ledger = make_ledger(30, every=10)
    report = ledger.verify(head=(30, "22" * 32))
    assert report.problems == [
        VerifyProblem(
            29,
            "the ledger head's root does not match the root of the first 30 entries "
            "(the head or the entries were altered)",
            "head",
        )
    ]
    stale = ledger.verify(head=(25, ledger.head[1]))
    assert kinds(stale) == ["head", "head"]
    assert "entries 25–29 were added without updating the head" in stale.problems[1].what
    f = Frontier()
    f.extend([leaf_hash(e.body) for e in ledger.entries[:25]])
    only_stale = ledger.verify(head=(25, f.root().hex()))
    assert [p.seq for p in only_stale.problems] == [25]


def test_conflicting_checkpoints_of_the_same_size() -> None:
    ledger = make_ledger(20, every=10)
    ledger.checkpoints.append(sign_checkpoint(KEY, 10, "33" * 32, AT))
    report = ledger.verify()
    assert kinds(report) == ["checkpoint-root"]
    assert "different root from another checkpoint of the same size" in report.problems[0].what


def test_problems_are_in_ledger_order() -> None:
    ledger = make_ledger(95, every=10)
    ledger.entries[70] = dataclasses.replace(ledger.entries[70], stored_leaf_hex="00" * 32)
    ledger.entries[12] = dataclasses.replace(ledger.entries[12], body=b"{}")
    del ledger.entries[90:]
    report = ledger.verify()
    first = report.first_problem
    assert first is not None and first.seq == 12
    seqs = [p.seq for p in report.problems]
    assert seqs == sorted(s for s in seqs if s is not None)


@given(st.data())
@settings(max_examples=60, deadline=None)
def test_any_single_tampering_is_found_at_its_entry(data: st.DataObject) -> None:
    n = data.draw(st.integers(min_value=1, max_value=150))
    every = data.draw(st.integers(min_value=0, max_value=20))
    ledger = make_ledger(n, every=every)
    assert ledger.verify().ok
    i = data.draw(st.integers(min_value=0, max_value=n - 1))
    how = data.draw(st.sampled_from(["body", "leaf", "delete"]))
    e = ledger.entries[i]
    if how == "body":
        ledger.entries[i] = dataclasses.replace(e, body=e.body + b" ")
    elif how == "leaf":
        bad = bytearray(bytes.fromhex(e.stored_leaf_hex))
        bad[data.draw(st.integers(min_value=0, max_value=31))] ^= 0x40
        ledger.entries[i] = dataclasses.replace(e, stored_leaf_hex=bad.hex())
    else:
        del ledger.entries[i]
    report = ledger.verify()
    assert not report.ok
    first = report.first_problem
    assert first is not None
    if how == "delete" and i == n - 1:
        assert first.kind in {"truncated", "head"}  # the last entry leaves no gap behind
        assert first.seq == n - 1
    else:
        assert first.seq == i


@pytest.mark.slow
def test_verify_of_a_large_ledger_streams() -> None:
    """Correctness at size; speed is measured by bench/ledger_verify.py, not asserted here."""
    n = 50_000
    entries = []
    f = Frontier()
    for seq in range(n):
        body = b'{"seq":%d,"pad":"%s"}' % (seq, b"x" * 180)
        h = leaf_hash(body)
        entries.append(StoredEntry(seq, body, h.hex()))
        f.append(h)
    report = verify_ledger(entries, [], PUB, head=(n, f.root().hex()))
    assert report.ok
    assert report.entries == n
