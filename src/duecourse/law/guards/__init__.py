"""All guards, one module per area. Importing this package registers them."""

from __future__ import annotations

from . import (  # noqa: F401
    arrest,
    authority,
    charging,
    children,
    citizenship,
    detention,
    identity,
    orders,
    provenance,
    thirdcountry,
    transport,
)
