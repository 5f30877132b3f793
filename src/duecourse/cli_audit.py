"""``duecourse audit``: the tamper-evident ledger, checkable by people outside the agency with
the ledger's public key and checkpoints they keep themselves (issue 14); registered in cli.py.

``verify`` needs no private key; ``export-key`` and ``checkpoint --export`` give outsiders what
they keep; ``prove`` writes proofs that ``python -m duecourse.audit.standalone`` checks without
duecourse's database or code; ``witness`` runs a witness that cosigns only consistent growth.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from .cli_reader import RoleOpt, UserOpt

audit_app = typer.Typer(help="The tamper-evident ledger.", no_args_is_help=True)
witness_app = typer.Typer(help="A witness: cosigns the ledger's checkpoints only while the "
                          "ledger grows consistently (C2SP tlog-witness).", no_args_is_help=True)
audit_app.add_typer(witness_app, name="witness")

console = Console()
err = Console(stderr=True)
DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL (default: DUECOURSE_DB "
                                           "or the configured SQLite file).")]
KeyOpt = Annotated[Path | None, typer.Option(
    "--public-key", help="The ledger's public key (a C2SP verifier key or a PEM file), as "
    "written by `duecourse audit export-key`. Default: DUECOURSE_LEDGER_PUBLIC_KEY_FILE, or in "
    "development the key beside the database.")]


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]{escape(message)}[/]", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _engine(db: str | None) -> Any:
    """The store's engine, without loading the signing key (verifying needs none); a missing
    or uninitialised store is refused (cli_store.py)."""
    from .cli_store import refuse_unready
    from .config import load_settings
    from .store.db import make_engine

    refuse_unready(db)
    return make_engine(load_settings(db).db_url)


def _public_key(db: str | None, given: Path | None) -> tuple[str | None, Any]:
    """(the ledger's origin as the verifier key names it, or None for a PEM key; the key)."""
    from .audit.checkpoint import load_public_key
    from .audit.note import parse_verifier_key
    from .bootstrap import signing_key_from
    from .config import default_key_path, load_settings

    settings = load_settings(db)
    path = given or settings.ledger_public_key_path
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8").strip()
            if text.startswith("-----BEGIN"):
                return None, load_public_key(text + "\n")
            return parse_verifier_key(text)
        except (OSError, ValueError, TypeError) as e:
            raise _fail(f"the public key {path} cannot be used: {e} (give the file "
                        "`duecourse audit export-key` wrote, unchanged)", 2) from e
    if settings.environment == "development" and not settings.ledger_key_pem:
        key_file = settings.ledger_key_path or default_key_path(settings.db_url)
        if key_file.exists():
            err.print(f"(development: the public key is taken from the signing key {key_file}; "
                      "outside development give --public-key)", highlight=False)
            return None, signing_key_from(key_file.read_text(encoding="utf-8"),
                                          f"the ledger key file {key_file}").public_key()
    raise _fail("verifying needs the ledger's public key: give --public-key FILE (written by "
                "`duecourse audit export-key`) or set DUECOURSE_LEDGER_PUBLIC_KEY_FILE", 2)


def _kept(path: Path) -> str:
    """A checkpoint kept outside the store, as a signed note; a file that is none stops here."""
    from .audit.note import parse_checkpoint

    try:
        note = path.read_text(encoding="utf-8")
        parse_checkpoint(note)
    except (OSError, ValueError) as e:
        raise _fail(f"{path} is not a signed checkpoint: {e}", 2) from e
    return note


@audit_app.command("verify")
def audit_verify(
    db: DbOpt = None, public_key: KeyOpt = None,
    checkpoint: Annotated[list[Path] | None, typer.Option(
        "--checkpoint", help="A signed checkpoint kept outside the store (exported, or a "
        "witness's copy); may be repeated.")] = None,
    read_models: Annotated[bool, typer.Option(
        "--read-models", help="Also re-derive cases, deadlines, persons, actors and account "
        "bindings from the ledgered facts and report every row that differs.")] = False,
) -> None:
    """Recompute every ledger leaf, root, signature and event hash with the public key alone;
    name the attack when something does not verify."""
    from .app.audit import verify_store
    from .cli import _progress

    engine = _engine(db)
    origin, key = _public_key(db, public_key)
    kept = [_kept(p) for p in checkpoint or []]
    with _progress() as prog:
        task = prog.add_task("verifying ledger", total=None)
        rep = verify_store(engine, key, progress=lambda n: prog.update(task, completed=n),
                           kept=kept, origin=origin)
    differ = _read_models(engine) if read_models else 0
    lr = rep.ledger
    if rep.ok and not differ:
        what = (f"{lr.entries} entries, all covered by signed checkpoints ({lr.checkpoints} in "
                f"the store, {len(kept)} kept outside it), {rep.events_checked} events; root "
                f"{lr.root_hex}")
        if rep.queued:
            console.print(f"[yellow]ledger NOT verified as a whole[/]: {rep.queued} entries are "
                          "queued and not yet integrated (the sequencer integrates them within a "
                          f"second; verify again). The integrated part verifies: {what}")
            raise typer.Exit(3)
        console.print(f"[green]ledger verified[/]: {what}")
        return
    if not rep.ok:
        first = rep.first_problem
        err.print(f"[red]ledger does NOT verify[/]: {len(rep.problems)} problem(s)")
        if first is not None:
            where = f"entry {first.seq}" if first.seq is not None else "ledger"
            err.print(f"first bad: {where}: [{first.kind}] {first.what}", highlight=False,
                      markup=False)
        for p in rep.problems[1:20]:
            err.print(f"  also: [{p.kind}] {p.what}", highlight=False, markup=False)
    raise typer.Exit(1)


def _read_models(engine: Any) -> int:
    from .app.read_models import check_store

    findings = check_store(engine)
    for f in findings[:50]:
        err.print(f"read model: {f}", highlight=False, markup=False)
    if len(findings) > 50:
        err.print(f"  … and {len(findings) - 50} more", highlight=False)
    if not findings:
        console.print("[green]read models match the ledgered facts[/]")
    return len(findings)


@audit_app.command("export-key")
def audit_export_key(
    db: DbOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write here (default: print).")] = None,
    pem: Annotated[bool, typer.Option("--pem", help="A PEM public key instead of a C2SP "
                                      "verifier key.")] = False,
) -> None:
    """Write the ledger's public key, for whoever checks the ledger from outside."""
    from sqlalchemy import select

    from .audit.checkpoint import public_key_pem
    from .audit.note import verifier_key
    from .cli_store import open_store
    from .store.tables import ledger_head

    a = open_store(db)
    with a.ctx.engine.connect() as conn:
        origin = conn.execute(select(ledger_head.c.origin)).scalar_one()
    text = (public_key_pem(a.ctx.signing_key) if pem
            else verifier_key(origin, a.ctx.signing_key.public_key()) + "\n")
    _write(out, text, "public key")


def _write(out: Path | None, text: str, what: str) -> None:
    if out is None:
        print(text, end="")
        return
    out.write_text(text, encoding="utf-8")
    err.print(f"{what} written to {out}", highlight=False)


@audit_app.command("checkpoint")
def audit_checkpoint(
    db: DbOpt = None,
    export: Annotated[Path | None, typer.Option("--export", help="Write the signed checkpoint "
                                                "(a C2SP signed note) to this file.")] = None,
    witness: Annotated[list[str] | None, typer.Option(
        "--witness", help="Ask the witness at this URL to cosign it; may be repeated.")] = None,
    adopt: Annotated[bool, typer.Option(
        "--adopt", help="Sign a ledger head that has no signed checkpoint (a store from before "
        "signed checkpoints), after `audit verify` found nothing else wrong.")] = False,
) -> None:
    """Integrate the queue, sign a checkpoint of the whole ledger and keep it in the store."""
    from .app.witnessing import cosign_latest
    from .cli_store import open_store

    a = open_store(db)
    if adopt:
        _adoptable(a)
    from .app.sequencer import LedgerHeadTampered

    try:
        size, root = a.checkpoint(adopt=adopt)
    except LedgerHeadTampered as e:
        raise _fail(f"not signed: {e}", 1) from e
    console.print(f"checkpoint signed: {size} entries, root {root}")
    note = None
    for url in witness or []:
        note = cosign_latest(a.ctx.engine, url)
        console.print(f"cosigned by the witness at {url}", highlight=False)
    if export is not None:
        from .app.proofs import latest_note

        with a.ctx.engine.connect() as conn:
            _write(export, note or latest_note(conn), "signed checkpoint")


def _adoptable(a: Any) -> None:
    """Refuse to adopt a head unless the only thing wrong is that entries are not covered."""
    from .app.audit import verify_store

    rep = verify_store(a.ctx.engine, a.ctx.signing_key.public_key())
    other = [p for p in rep.problems if p.kind not in ("uncovered", "checkpoints-deleted")]
    if other:
        raise _fail(f"not adopted: the ledger does not verify ({other[0].what}); restore it "
                    "first", 1)
    err.print(f"adopting the ledger head: {rep.ledger.entries} entries, of which "
              f"{sum(1 for p in rep.problems if p.kind == 'uncovered')} spans were not covered "
              "by a signed checkpoint", highlight=False)


@audit_app.command("prove")
def audit_prove(
    db: DbOpt = None,
    entry: Annotated[int | None, typer.Option("--entry", help="Prove this entry (its "
                                              "position) is in the ledger.")] = None,
    since: Annotated[Path | None, typer.Option(
        "--from", help="Prove the ledger grew consistently from this signed checkpoint.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write here (default: print).")] = None,
) -> None:
    """An inclusion or consistency proof against the latest signed checkpoint, as JSON that
    `python -m duecourse.audit.standalone --log-key KEY FILE` checks."""
    from .app import proofs

    if (entry is None) == (since is None):
        raise _fail("give exactly one of --entry N or --from CHECKPOINT", 2)
    with _engine(db).connect() as conn:
        try:
            doc = (proofs.inclusion(conn, entry) if entry is not None
                   else proofs.consistency(conn, since.read_text(encoding="utf-8")))  # type: ignore[union-attr]
        except (proofs.NoProof, ValueError) as e:
            raise _fail(f"no proof: {e}", 1) from e
    _write(out, json.dumps(doc, indent=1, ensure_ascii=False) + "\n", "proof")


@audit_app.command("rotate-key")
def audit_rotate_key(
    new_key: Annotated[Path, typer.Option("--new-key-file", help="The new Ed25519 private key "
                                          "(PKCS#8 PEM).")],
    who: Annotated[str, typer.Option("--as", help="The administrator's account or actor id.")],
    db: DbOpt = None,
) -> None:
    """Hand the ledger to a new signing key: a ledger entry signed by the old key and the new.
    Restart every process with the new key afterwards."""
    from .app.keys import rotate_key
    from .bootstrap import signing_key_from
    from .cli_calendar import _actor

    try:
        text = new_key.read_text("utf-8")
    except (OSError, UnicodeError) as e:
        raise _fail(f"the new key {new_key} cannot be read: {e}", 2) from None
    key = signing_key_from(text, f"the new key {new_key}")
    a = build_app_for(db)
    done = rotate_key(a.ctx, _actor(a, who), key, datetime.now(UTC))
    console.print(f"ledger key rotated from {done.old_key_id} to {done.new_key_id} in entry "
                  f"{done.seq}; configure the new key everywhere and restart", highlight=False)


@audit_app.command("search-terms")
def audit_search_terms(
    ref: Annotated[int, typer.Argument(help="The ``terms.ref`` of a search's ledger entry.")],
    user: UserOpt,
    role: RoleOpt,
    reason: Annotated[str, typer.Option("--reason", help="Why you read them (ledgered).")],
    db: DbOpt = None,
) -> None:
    """What a search was for: the plain terms the ledger names only by reference and HMAC
    (oversight only, with a reason; the read is itself ledgered)."""
    from .app.access import AccessDenied
    from .app.search_terms import get_search_terms
    from .cli_reader import named_actor
    from .cli_text import shown
    from .domain.errors import NotFound

    a = build_app_for(db)
    try:
        t = get_search_terms(a.ctx, named_actor(a, user, role), ref, reason, datetime.now(UTC))
    except (AccessDenied, NotFound) as e:
        raise _fail(f"refused: {e}" if isinstance(e, AccessDenied) else str(e),
                    1 if isinstance(e, AccessDenied) else 2) from None
    console.print(f"search {t.ref} ({t.record}) by {t.actor_id} ({t.actor_role}) at "
                  f"{t.at.isoformat()}:", highlight=False, soft_wrap=True)
    console.print(shown(t.terms), highlight=False, soft_wrap=True)
    console.print(f"HMAC {t.hmac}: " + ("matches the terms" if t.intact else
                                        "DOES NOT match the terms (changed since the search)"),
                  highlight=False, soft_wrap=True)
    a.ctx.engine.dispose()


def build_app_for(db: str | None) -> Any:
    from .cli_store import open_store

    return open_store(db)


@audit_app.command("sequencer")
def audit_sequencer(
    db: DbOpt = None,
    interval: Annotated[float, typer.Option(help="Seconds between batches when idle.")] = 0.05,
) -> None:
    """Run the ledger's sequencer in the foreground (PostgreSQL); several may run, one is
    elected, the others wait and take over if it dies."""
    from .app.sequencer import run_forever

    a = build_app_for(db)
    if a.ctx.engine.dialect.name == "sqlite":
        raise _fail("on SQLite every writer integrates its own entry: no sequencer is needed", 2)
    console.print("sequencer running (Ctrl-C to stop)")
    run_forever(a.ctx.engine, lambda: a.ctx.signing_key, interval)


@witness_app.command("init")
def witness_init(
    state: Annotated[Path, typer.Option("--state", help="The witness's own directory.")],
    name: Annotated[str, typer.Option("--name", help="The witness's key name, e.g. "
                                      "witness.example.org/ig")],
    log_key: Annotated[Path, typer.Option("--log-key", help="The ledger's verifier key file "
                                          "(`duecourse audit export-key`).")],
) -> None:
    """Create a witness: its key, and the ledger key it trusts. Prints its verifier key."""
    from .audit.witness import init_state

    vkey = init_state(state, name, log_key.read_text(encoding="utf-8").strip())
    console.print(f"witness ready in {state}; its verifier key: {vkey}", highlight=False)


@witness_app.command("serve")
def witness_serve(
    state: Annotated[Path, typer.Option("--state", help="The witness's own directory.")],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8031,
) -> None:
    """Serve the witness (POST /add-checkpoint, C2SP tlog-witness)."""
    import uvicorn

    from .audit.witness import Witness
    from .audit.witness import witness_app as make_app

    uvicorn.run(make_app(Witness(state)), host=host, port=port, log_level="warning")
