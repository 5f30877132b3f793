"""``duecourse identity``: import the agency's records, link them, review uncertain matches
(issue 4); registered in cli.py with one ``add_typer`` line.

Every write goes through ``app/identity.py`` (authorised, all or nothing, ledgered); every read of
records is ledgered with the reader, their role and purpose: a command that shows records or pairs
(clusters, sources, train, review) names its reader with ``--user``, the role they hold with
``--as`` and ``--purpose`` (cli_reader.py). The writer of an import or a linkage run is the
installation's operator (``CLI_ACTOR``, a supervisor) unless ``--as`` names an account or actor.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from .cli_reader import PurposeOpt as ReaderPurposeOpt
from .cli_reader import RoleOpt, UserOpt, named_reader
from .cli_text import shown

identity_app = typer.Typer(help="Identity resolution over the agency's own records: import, "
                           "link, review.", no_args_is_help=True)

console = Console()
err = Console(stderr=True)
DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL (default: DUECOURSE_DB "
                                           "or the configured SQLite file).")]
AsOpt = Annotated[str, typer.Option("--as", help="The account (username) or actor id who acts "
                                    "(recorded in the ledger).")]
PurposeOpt = Annotated[str, typer.Option(help="Why the records are read (ledgered).")]


def _build(db: str | None) -> Any:
    from .cli_store import open_store
    from .domain.errors import InvalidInput

    try:
        return open_store(db)
    except InvalidInput as e:  # a configured model that is not one, say
        raise _fail(e) from e


def _actor(a: Any, who: str | None) -> Any:
    """The named account's or actor's identity (a disabled account by either is refused), or the
    command line's own."""
    from .app.actors import get_named_actor
    from .app.identity import CLI_ACTOR
    from .domain.errors import InvalidInput

    if not who:
        return CLI_ACTOR
    try:
        return get_named_actor(a.ctx, who)
    except InvalidInput as e:
        err.print(f"[red]error:[/] {shown(e.message)}", highlight=False)
        raise typer.Exit(2) from None


def _reader(a: Any, user: str, role: str, purpose: str | None) -> tuple[Any, str]:
    """The reader of records (cli_reader.py), for the identity review's purposes."""
    from .app.access import IDENTITY_PURPOSES

    return named_reader(a, user, role, purpose, IDENTITY_PURPOSES)


def _fail(e: Exception, code: int = 2) -> typer.Exit:
    from .identity import InvalidRecords

    text = e.message if isinstance(e, InvalidRecords) else str(e)
    err.print(f"[red]refused:[/] {shown(text)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@identity_app.command("import")
def identity_import(
    file: Annotated[Path, typer.Argument(help="Records as CSV (record_id,family_name,given_name,"
                                         "birth_date,sex,nationality,address,city,postcode,"
                                         "a_number, and optionally document_number) or JSON "
                                         "(a list of objects with those fields).")],
    source: Annotated[str, typer.Option("--source", help="Where the records come from (an "
                                        "encounter system, a court, a prior case file …).")],
    db: DbOpt = None,
    one_record_per_person: Annotated[bool, typer.Option(
        "--one-record-per-person", help="Declare that the source holds each person once (a "
        "roster, a transfer list): its records are never linked to each other, and between two "
        "such sources a record's candidates compete. Every batch of a source must say the "
        "same.")] = False,
    report: Annotated[Path | None, typer.Option(
        "--report", help="Write the data-quality report here (CSV: row, record_id, field, "
        "given, reason): every value kept as given but not valid.")] = None,
) -> None:
    """Import records from one lawful source. A value that is not valid (a birth date not in the
    calendar or in the future, a malformed A-number ...) is kept as given, flagged, and left out
    of linkage; the counts per field are printed and ``--report`` lists each. A broken row (no
    record id, one used twice, cells missing or too large) refuses the batch: every one is named
    by number and field, and nothing is written. One ledger entry per batch."""
    from .app.identity import import_file
    from .domain.errors import DuecourseError

    try:
        raw = file.read_bytes()
    except OSError as e:
        err.print(f"[red]error:[/] cannot read {shown(str(file))}: "
                  f"{shown(str(e.strerror or e))}", highlight=False)
        raise typer.Exit(2) from e
    a = _build(db)
    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeRemainingColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task(f"importing {file.name}", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            done = import_file(a.ctx, raw, file.name, source, progress=progress,
                               one_record_per_person=one_record_per_person)
        except DuecourseError as e:
            bar.stop()
            raise _fail(e) from e
    console.print(f"imported {done.records} records from '{shown(done.source)}' (batch "
                  f"{done.batch}); ledger entry {done.ledger_seq}", highlight=False,
                  soft_wrap=True)
    counts = done.flagged_counts()
    if counts:
        console.print(f"{len(done.flagged)} values kept as given but not valid, left out of "
                      f"linkage: " + ", ".join(f"{f} {n}" for f, n in counts.items()),
                      highlight=False, soft_wrap=True)
    if report is not None:
        _write_report(report, done.flagged)
        console.print(f"data-quality report → {shown(str(report))}", highlight=False,
                      soft_wrap=True)


def _write_report(path: Path, flagged: Any) -> None:
    """The import's flagged values as CSV; the values are the sources' text, so never a formula
    in a spreadsheet."""
    from .app.csv_cells import SafeWriter

    with path.open("w", newline="", encoding="utf-8") as f:
        w = SafeWriter(f, numbers=(0,))
        w.writerow(["row", "record_id", "field", "given", "reason"])
        for v in flagged:
            w.writerow([v.row, v.record_id, v.flag.field, v.flag.given, v.flag.reason])


@identity_app.command("link")
def identity_link(
    db: DbOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object: records, "
                                          "persons, auto_links, review_pairs, seconds.")] = False,
    model_file: Annotated[Path | None, typer.Option("--model", help="A model file (JSON, from "
                                                    "`identity train`); default: "
                                                    "DUECOURSE_IDENTITY_MODEL, else the "
                                                    "packaged model.")] = None,
) -> None:
    """Link every imported record: persons from automatic links, and the review queue of pairs
    between the thresholds. Pairs a person has proposed or decided are kept."""
    from .app.identity import do_link
    from .domain.errors import InvalidInput
    from .identity import Model

    a = _build(db)
    try:
        model = Model.load(model_file) if model_file else None
    except (OSError, ValueError, InvalidInput) as e:
        raise _fail(InvalidInput("--model", f"{model_file}: {getattr(e, 'strerror', None) or e}")) from e
    s = do_link(a.ctx, model=model)
    if as_json:
        print(json.dumps(s.as_dict()))
        return
    console.print(f"{s.records} records → {s.persons} persons; {s.auto_links} automatic links; "
                  f"{s.review_pairs} pairs await review; {s.seconds:.2f} s (run {s.run}, ledger "
                  f"entry {s.ledger_seq})", highlight=False)


@identity_app.command("clusters")
def identity_clusters(
    user: UserOpt,
    role: RoleOpt,
    out: Annotated[Path, typer.Option("--out", help="Write record_id,person_id here (CSV).")],
    review_out: Annotated[Path | None, typer.Option(
        "--review-out", help="Also write the pairs awaiting review (CSV: pair, left_record_id, "
        "right_record_id, probability, match_weight, vetoes, status).")] = None,
    db: DbOpt = None,
    purpose: ReaderPurposeOpt = None,
) -> None:
    """Every record with its person: records linked automatically (or by a confirmed match)
    share a person_id; a record whose only links await review keeps its own."""
    from .app.access import AccessDenied
    from .app.csv_cells import SafeWriter
    from .app.identity import get_clusters, get_review_pairs_all

    a = _build(db)
    actor, why = _reader(a, user, role, purpose)
    try:
        rows = get_clusters(a.ctx, actor, why)
        pairs = get_review_pairs_all(a.ctx, actor, why) if review_out else []
    except AccessDenied as e:
        raise _fail(e) from e
    with out.open("w", newline="", encoding="utf-8") as f:
        w = SafeWriter(f)  # a record id is the source's text: never a formula in a spreadsheet
        w.writerow(["record_id", "person_id"])
        w.writerows(rows)
    if review_out is not None:
        with review_out.open("w", newline="", encoding="utf-8") as f:
            w = SafeWriter(f, numbers=(0, 3, 4))
            w.writerow(["pair", "left_record_id", "right_record_id", "probability",
                        "match_weight", "vetoes", "status"])
            for p in pairs:
                w.writerow([p.pair, p.left, p.right, f"{p.probability:.6f}",
                            f"{p.match_weight:.4f}", ";".join(p.vetoes), p.status])
    persons = len({p for _, p in rows})
    console.print(f"{len(rows)} records, {persons} persons → {shown(str(out))}"
                  + (f"; {len(pairs)} pairs awaiting review → {shown(str(review_out))}"
                     if review_out is not None else ""), highlight=False, soft_wrap=True)


@identity_app.command("sources")
def identity_sources(
    user: UserOpt,
    role: RoleOpt,
    db: DbOpt = None,
    purpose: ReaderPurposeOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """The sources records were imported from: batches, records, whether each holds one record
    per person (which changes how its records are linked), and when they were imported."""
    from rich.table import Table

    from .app.access import AccessDenied
    from .app.identity import get_sources

    a = _build(db)
    try:
        sources = get_sources(a.ctx, *_reader(a, user, role, purpose))
    except AccessDenied as e:
        raise _fail(e) from e
    if as_json:
        print(json.dumps([s.as_dict() for s in sources]))
        return
    table = Table("source", "batches", "records", "one record per person", "first import",
                  "last import", title="identity sources")
    for s in sources:
        table.add_row(shown(s.source), f"{s.batches:,}", f"{s.records:,}",
                      "yes" if s.one_record_per_person else "no",
                      f"{s.first_import:%Y-%m-%d %H:%M} UTC", f"{s.last_import:%Y-%m-%d %H:%M} UTC")
    console.print(table if sources else "no records imported yet")


def _vetoes(text: str) -> tuple[str, ...]:
    """The vetoes named on the command line ('all', 'none' or a comma-separated list)."""
    from .domain.errors import InvalidInput
    from .identity.model import VETOES

    if text.strip() == "all":
        return VETOES
    if text.strip() == "none":
        return ()
    names = tuple(dict.fromkeys(x.strip() for x in text.split(",") if x.strip()))
    unknown = [x for x in names if x not in VETOES]
    if unknown or not names:
        raise InvalidInput("--vetoes", f"no veto named {', '.join(map(repr, unknown)) or repr(text)}; "
                                       f"give 'all', 'none' or some of: {', '.join(VETOES)}")
    return names


@identity_app.command("train")
def identity_train(
    user: UserOpt,
    role: RoleOpt,
    out: Annotated[Path, typer.Option("--out", help="Write the model (JSON, with its data card) "
                                      "here.")] = Path("identity-model.json"),
    db: DbOpt = None,
    purpose: ReaderPurposeOpt = None,
    vetoes: Annotated[str, typer.Option("--vetoes", help="The vetoes in force: 'all', 'none' "
                                        "or their names, comma-separated (a_number, birth_date, "
                                        "…: docs/identity.md). Lists of unrelated people (no "
                                        "households) may do without the household ones.")] = "all",
) -> None:
    """Train a model on the imported records (unsupervised; no labels) and write it with its data
    card. Re-measure it on labelled pairs and choose its thresholds before use (docs/identity.md).
    When every source was declared to hold one record per person, only pairs across sources can
    match, and the prior is trained on those."""
    from .app.access import AccessDenied
    from .app.identity import get_training_records
    from .domain.errors import InvalidInput
    from .identity import train

    a = _build(db)
    try:
        in_force = _vetoes(vetoes)
        records, sources, declared = get_training_records(a.ctx, *_reader(a, user, role, purpose))
        now = datetime.now(UTC)
        across = len(sources) > 1 and set(sources) <= declared
        model = train(records, trained_at=now.date(), across_sources_only=across,
                      trained_on=f"{len(records)} records imported into duecourse from "
                                 f"{', '.join(sources) or 'no source'}"
                                 f"{' (each holding one record per person)' if across else ''}")
        model = model.with_vetoes(*in_force)
    except (AccessDenied, InvalidInput) as e:
        raise _fail(e) from e
    model.save(out)
    console.print(f"model trained on {len(records)} records → {shown(str(out))} (prior "
                  f"{model.prior:.3g}; thresholds auto-link {model.thresholds.auto_link}, new "
                  f"person {model.thresholds.new_person}; vetoes "
                  f"{', '.join(model.vetoes) or 'none'}); to use it for linkage and for the check "
                  f"on open_case, set DUECOURSE_IDENTITY_MODEL={shown(str(out))}",
                  highlight=False, soft_wrap=True)


@identity_app.command("review")
def identity_review(
    user: UserOpt,
    role: RoleOpt,
    db: DbOpt = None,
    purpose: ReaderPurposeOpt = None,
    status: Annotated[str, typer.Option(help="open (pending and proposed), all, pending, "
                                        "proposed, confirmed or rejected.")] = "open",
    limit: Annotated[int, typer.Option(help="How many pairs.")] = 50,
) -> None:
    """The review queue: pairs between the thresholds, most probable first."""
    from .app.access import AccessDenied
    from .app.identity import get_review_queue

    a = _build(db)
    try:
        page = get_review_queue(a.ctx, *_reader(a, user, role, purpose), status=status, limit=limit)
    except AccessDenied as e:
        raise _fail(e) from e
    t = Table(title=f"Identity review queue ({status})")
    for col in ("pair", "left", "right", "probability", "vetoes", "status", "proposed by",
                "decided by"):
        t.add_column(col, overflow="fold")
    for p in page.items:
        t.add_row(str(p.pair), p.left, p.right, f"{p.probability:.4f}", ", ".join(p.vetoes) or "-",
                  p.status, p.proposed_by or "-", p.decided_by or "-")
    console.print(t)


def _decide(action: str, pair: int, db: str | None, who: str, reason: str) -> None:
    from .app import identity as ident
    from .app.access import AccessDenied
    from .domain.errors import DuecourseError, NotFound

    a = _build(db)
    actor = _actor(a, who)
    do = {"propose": ident.do_propose_match, "confirm": ident.do_confirm_match,
          "reject": ident.do_reject_match}[action]
    try:
        p = do(a.ctx, pair, actor, reason)
    except NotFound as e:
        raise _fail(e, 1) from e
    except (AccessDenied, DuecourseError) as e:
        raise _fail(e, 1) from e
    console.print(f"pair {p.pair} ({p.left} ~ {p.right}, {p.probability:.4f}): {p.status} by "
                  f"{actor.id}", highlight=False)


ReasonOpt = Annotated[str, typer.Option(help="Why (recorded in the ledger).")]


@identity_app.command("propose")
def identity_propose(pair: int, who: Annotated[str, typer.Option("--as", help="The proposing "
                                               "officer's account or actor id.")],
                     db: DbOpt = None, reason: ReasonOpt = "") -> None:
    """Propose that the two records of a pending pair are one person (an officer)."""
    _decide("propose", pair, db, who, reason)


@identity_app.command("confirm")
def identity_confirm(pair: int, who: Annotated[str, typer.Option("--as", help="The deciding "
                                               "supervisor's account or actor id.")],
                     db: DbOpt = None, reason: ReasonOpt = "") -> None:
    """Confirm a proposed match (a supervisor who did not propose it)."""
    _decide("confirm", pair, db, who, reason)


@identity_app.command("reject")
def identity_reject(pair: int, who: Annotated[str, typer.Option("--as", help="The deciding "
                                              "supervisor's account or actor id.")],
                    db: DbOpt = None, reason: ReasonOpt = "") -> None:
    """Reject a proposed match (a supervisor who did not propose it): two people."""
    _decide("reject", pair, db, who, reason)
