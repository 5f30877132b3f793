"""Python's cycle collector in a serving process.

A full collection walks every object the process tracks while holding every thread: with the
app built (169,000 objects) it took 160 ms every half minute or so under load, and with the
identity index of a million records loaded (1.5 million objects) 1.2 s. What a server builds to
keep — the app at start, the identity index — is therefore collected once and then frozen out
of the collector's reach (``gc.freeze()``); only what requests create is walked afterwards.

Only in a serving process (``settle`` marks it): the command line and the tests build and drop
many apps and indexes, and frozen cyclic garbage would never be freed.
"""

from __future__ import annotations

import gc

__all__ = ["keep_built", "settle"]

_SERVING = [False]


def settle() -> None:
    """Collect, then freeze everything built so far; from now on :func:`keep_built` does the
    same. Called by ``duecourse serve`` once the app is built, in every worker process."""
    _SERVING[0] = True
    keep_built()


def keep_built() -> None:
    """In a serving process, after building something large to keep (the identity index):
    collect the garbage first — so that none is frozen — then freeze what is left."""
    if _SERVING[0]:
        gc.collect()
        gc.freeze()
