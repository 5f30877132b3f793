"""All guards, one module per area. Importing this package registers them."""

from __future__ import annotations

from . import (  # noqa: F401
    addresses,
    arrest,
    authority,
    charging,
    children,
    citizenship,
    codes,
    consular,
    counsel,
    custody,
    detainers,
    detention,
    facilities,
    handover,
    identity,
    locations,
    one_custody,
    orders,
    provenance,
    text,
    thirdcountry,
    transport,
)
