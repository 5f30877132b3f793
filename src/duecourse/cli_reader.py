"""Who reads personal data from the command line: ``--user`` names the person (an account's user
name or a registered actor's id), ``--as`` the role they read in, which must be the role they
hold, and ``--purpose`` why — one their role may give for this read, or the only one if there is
just one. The read itself goes through the app's ledgered read functions (app/reads.py,
app/queries.py and the ``access_*`` funnels), which record the user, the role and the purpose,
and a refused purpose too, as the web does."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .domain.commands import Actor

DEMO = "demo"  # the synthetic demo's purpose: given, never taken as the default

UserOpt = Annotated[str, typer.Option(
    "--user", help="Who reads: an account's user name or a registered actor's id (ledgered).")]
RoleOpt = Annotated[str, typer.Option(
    "--as", help="The role they read in: the one their account holds (ledgered).")]
PurposeOpt = Annotated[str | None, typer.Option(
    "--purpose", help="Why they read (ledgered): a purpose their role may give; needed unless "
    "the role has only one for this read.")]


def named_actor(a: Any, user: str, role: str) -> Actor:
    """The actor ``user`` names (an active account's user name or a registered actor's id), if
    they hold ``role``; else a usage error (exit 2) naming ``--user`` or ``--as``."""
    from .app.actors import get_named_actor
    from .domain.errors import InvalidInput

    try:
        actor = get_named_actor(a.ctx, user, "--user")
    except InvalidInput as e:
        raise typer.BadParameter(e.message, param_hint="'--user'") from None
    if role.strip() != actor.role:
        raise typer.BadParameter(
            f"'{user.strip()}' holds the role '{actor.role}', not '{role.strip()}': give the role "
            "their account holds (an administrator changes roles)", param_hint="'--as'")
    return actor


def named_reader(a: Any, user: str, role: str, purpose: str | None,
                 accepted: tuple[str, ...] | None = None) -> tuple[Actor, str]:
    """The actor ``user`` names, if their account is active and holds ``role``, and the purpose
    of the read: the one given, or, when none is given, the one purpose among ``accepted`` (the
    read's own; default every purpose) that the role may give. Anything else is a usage error
    (exit 2) naming the option; nothing is read. A purpose given but not the role's is left to
    the read's funnel, which refuses it and records the refusal in the ledger."""
    from .app.access import PURPOSES, ROLE_PURPOSES

    actor = named_actor(a, user, role)
    configured = _configured_purposes(PURPOSES)
    if purpose is not None:
        if purpose.strip() in PURPOSES and purpose.strip() not in configured:
            raise typer.BadParameter(f"'{purpose.strip()}' is not a purpose this deployment "
                                     f"allows (DUECOURSE_PURPOSES): one of {', '.join(configured)}",
                                     param_hint="'--purpose'")
        return actor, purpose.strip()
    mine = [p for p in ROLE_PURPOSES.get(actor.role, ())
            if p in configured and p in (accepted or PURPOSES) and p != DEMO]
    if len(mine) == 1:
        return actor, mine[0]
    given = [p for p in ROLE_PURPOSES.get(actor.role, ()) if p in configured
             and p in (accepted or PURPOSES)]
    needed = (f"say why: one of {', '.join(given)}" if given else
              f"the role '{actor.role}' reads nothing here for any purpose")
    raise typer.BadParameter(needed, param_hint="'--purpose'")


def _configured_purposes(known: tuple[str, ...]) -> tuple[str, ...]:
    """The purposes this deployment allows (DUECOURSE_PURPOSES, as the web reads it; every
    purpose when unset): on a deployment without the demo's, a role with one purpose for a read
    need not name it."""
    import os

    given = tuple(p.strip() for p in os.environ.get("DUECOURSE_PURPOSES", "").split(",")
                  if p.strip() in known)
    return given or known
