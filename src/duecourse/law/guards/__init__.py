"""All guards, one module per area. Importing this package registers them."""

from __future__ import annotations

from . import arrest, authority, charging, children, citizenship, detention, orders, transport  # noqa: F401
