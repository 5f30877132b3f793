"""Benchmark: verify a synthetic in-memory ledger with duecourse.audit.verify_ledger.

Builds N entries with ~200-byte canonical JSON bodies, their leaf hashes, a signed
checkpoint every ``--checkpoint-every`` entries and the head, then times one
verification pass and prints the rate. Only the verification is timed.

    python bench/ledger_verify.py [--entries N] [--checkpoint-every K]
"""

from __future__ import annotations

import argparse
import sys
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from duecourse.audit.canonical import canonical_json
from duecourse.audit.checkpoint import Checkpoint, sign_checkpoint
from duecourse.audit.merkle import Frontier, leaf_hash
from duecourse.audit.verify import StoredEntry, verify_ledger

AT = "2025-01-01T00:00:00Z"


def build(
    n: int, checkpoint_every: int, key: Ed25519PrivateKey
) -> tuple[list[StoredEntry], list[Checkpoint], tuple[int, str]]:
    """N synthetic entries, their checkpoints and the head."""
    entries: list[StoredEntry] = []
    checkpoints: list[Checkpoint] = []
    frontier = Frontier()
    for seq in range(n):
        body = canonical_json(
            {
                "seq": seq,
                "at": "2025-01-01T00:00:00.000000Z",
                "actor": f"officer-{seq % 977:04d}",
                "case": f"case-{seq // 13:08d}",
                "event": "notice_served",
                "payload": {"deadline": "2025-02-01", "channel": "post", "ref": seq * 7919},
                "pad": "x" * 24,
            }
        )
        h = leaf_hash(body)
        entries.append(StoredEntry(seq, body, h.hex()))
        frontier.append(h)
        if checkpoint_every and (seq + 1) % checkpoint_every == 0:
            checkpoints.append(sign_checkpoint(key, seq + 1, frontier.root().hex(), AT))
    return entries, checkpoints, (frontier.size, frontier.root().hex())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--checkpoint-every", type=int, default=10_000)
    args = parser.parse_args(argv)

    key = Ed25519PrivateKey.generate()
    started = time.perf_counter()
    entries, checkpoints, head = build(args.entries, args.checkpoint_every, key)
    built = time.perf_counter() - started
    avg = sum(len(e.body) for e in entries) / max(len(entries), 1)
    print(
        f"built {len(entries):,} entries (avg body {avg:.0f} bytes) and "
        f"{len(checkpoints):,} checkpoints in {built:.2f} s"
    )

    report = verify_ledger(entries, checkpoints, key.public_key(), head=head)
    print(
        f"verified {report.entries:,} entries, {report.checkpoints:,} checkpoints "
        f"in {report.seconds:.3f} s: {report.entries_per_second:,.0f} entries/s"
    )
    print(f"root {report.root_hex} ok={report.ok}")
    if not report.ok:
        print(f"first problem: {report.first_problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
