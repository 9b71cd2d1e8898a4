"""The `feedarchive` command: a thin click layer over the library.

Heavy modules (Datasette, the importer's dependencies) are imported inside the commands that
need them, so `feedarchive fix-text` starts fast.
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import click

from .guesses import UNCERTAIN_BELOW

DEFAULT_DB = Path("db") / "feedarchive.db"
SAMPLE_TIMELINE = Path(__file__).with_name("demo") / "sample_timeline.txt"


def default_db() -> Path:
    return Path(os.environ.get("FEEDARCHIVE_DB") or DEFAULT_DB)


@contextmanager
def archive_errors():
    """A full disk or a read-only archive ends the command with its message and status 1,
    not a traceback; what was being imported was rolled back."""
    from .errors import ArchiveWriteError

    try:
        yield
    except ArchiveWriteError as error:
        raise click.ClickException(str(error)) from None


db_option = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help=f"Archive database (default: $FEEDARCHIVE_DB or {DEFAULT_DB}).",
)


@click.group()
@click.version_option(package_name="feedarchive")
def cli() -> None:
    """Turn scraped social timelines into a repaired, threaded, searchable archive."""


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def print_report(report) -> None:
    if report.status == "failed":
        click.secho(f"error: {report.error}", fg="red", err=True)
        return
    if report.status == "unchanged":
        click.echo(f"{report.path}: unchanged (already imported)")
        return
    if report.status == "skipped":
        click.echo(f"{report.path}: skipped: {report.error}")
        return
    if report.same_as:
        what = "replaced by a copy" if report.status == "replaced" else "copy"
        click.echo(f"{report.path}: {what} of {report.same_as} (the same bytes, "
                   f"{plural(report.posts, 'post')}; recorded, not read again)")
        return
    owner = f" @{report.author}" if report.author else ""
    pages = f", {plural(report.pages, 'page')}" if report.pages else ""
    private = (f", {report.private} private left out (followers-only or direct; "
               f"--include-private imports them)") if report.private else ""
    click.echo(
        f"{report.path}: {report.status} {report.format}{owner}: "
        f"{plural(report.posts, 'post')} ({report.new_posts} new), "
        f"{plural(report.threads, 'thread')}{pages}, {plural(report.repairs, 'repair')} "
        f"[{report.repair_kind}]{private}"
    )
    for warning in report.warnings:
        click.secho(f"  warning: {warning}", fg="yellow", err=True)


def print_summary(reports: list) -> None:
    """One line for a run of many sources: what happened to how many, and how many private
    posts were left out."""
    tally: dict[str, int] = {}
    for report in reports:
        tally[report.status] = tally.get(report.status, 0) + 1
    parts = [f"{count} {status}" for status, count in sorted(tally.items())]
    private = sum(report.private for report in reports)
    if private:
        parts.append(f"{private} private posts left out")
    click.echo(f"{len(reports)} sources: " + ", ".join(parts))


@cli.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
@click.option("--format", "format_", default=None, help="Skip detection: read every file as this format.")
@click.option("--skip-bad", is_flag=True,
              help="Import the good records of a source (lines, tweets, toots, posts) and "
                   "list the bad ones, instead of failing on the first.")
@click.option("--author", default=None, metavar="HANDLE",
              help="The account the sources belong to (homepages, exports without a profile).")
@click.option("--include-private", is_flag=True,
              help="Also import followers-only and direct posts (left out by default); "
                   "every page marks them.")
@click.option("--uncertain", type=click.Choice(["guess", "mark"]), default="guess",
              show_default=True,
              help="Characters whose bytes were lost: store the best guess, or mark those "
                   f"under {UNCERTAIN_BELOW:.0%} likely with U+FFFD; the repair keeps the "
                   "guess.")
def import_(paths: tuple[Path, ...], db_path: Path | None, format_: str | None,
            skip_bad: bool, author: str | None, include_private: bool, uncertain: str) -> None:
    """Import files, folders of them, and account archives (.zip, .tar.gz, unpacked)."""
    from .formats.members import walk_sources
    from .importer import import_paths
    from .store import open_db

    missing = [path for path in paths if not path.exists()]
    for path in missing:
        click.secho(f"error: {path}: no such file or folder", fg="red", err=True)
    files = walk_sources([path for path in paths if path.exists()])
    options = dict(skip_bad=skip_bad, author=author.lstrip("@") if author else None,
                   include_private=include_private, uncertain=uncertain)
    with archive_errors():
        db = open_db(db_path or default_db())
        if len(files) > 1:
            with click.progressbar(length=len(files), label="Importing", file=sys.stderr) as bar:
                reports = import_paths(db, files, format_, on_report=lambda r: bar.update(1),
                                       **options)
            for report in reports:
                print_report(report)
            print_summary(reports)
        else:
            reports = import_paths(db, files, format_, on_report=print_report, **options)
    failed = [r for r in reports if r.status == "failed"]
    if failed or missing:
        click.secho(f"{len(failed) + len(missing)} of {len(files) + len(missing)} inputs failed",
                    fg="red", err=True)
        sys.exit(1)


@cli.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8001, show_default=True, type=int)
def serve(db_path: Path | None, host: str, port: int) -> None:
    """Serve the archive with Datasette and the feedarchive pages."""
    from .web import serve as run_server

    path = db_path or default_db()
    if not path.exists():
        raise click.ClickException(f"{path}: no archive there yet; run `feedarchive import` first")
    run_server(path, host, port)


@cli.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Import the sample and stop.")
def demo(db_path: Path | None, host: str, port: int, no_serve: bool) -> None:
    """Import the bundled sample timeline and serve it."""
    from .importer import import_paths
    from .store import open_db

    path = db_path or default_db()
    with archive_errors():
        import_paths(open_db(path), [SAMPLE_TIMELINE], on_report=print_report)
    if not no_serve:
        from .web import serve as run_server

        click.echo(f"Serving {path} on http://{host}:{port}/ (Ctrl-C stops)")
        run_server(path, host, port)


@dataclass
class RepairTally:
    """What `repair-check` prints of one file, gathered field by field as its posts stream
    past: every field and repair counted, but only the repairs it lists kept (the first
    `limit`; all of them for 0, and for a negative limit, which lists all but the last few)."""

    limit: int
    fields: int = 0
    fields_repaired: int = 0
    repairs: int = 0
    guessed: int = 0
    listed: list = field(default_factory=list)  # (where, line, Repair), in the file's order

    def add(self, where: str, line: Optional[int], repairs: list) -> None:
        """Count one field (`profile`, a post at its line, `page`) and keep what is listed."""
        self.fields += 1
        self.fields_repaired += bool(repairs)
        self.repairs += len(repairs)
        self.guessed += sum(1 for r in repairs if r.confidence < 1.0)
        for repair in repairs:
            if self.limit <= 0 or len(self.listed) < self.limit:
                self.listed.append((where, line, repair))


@cli.command(name="repair-check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "format_", default=None, help="Skip detection: read files as this format.")
@click.option("--limit", default=20, show_default=True, help="Repairs to list per file (0: all).")
def repair_check(paths: tuple[Path, ...], format_: str | None, limit: int) -> None:
    """Show, without writing anything, what would be repaired in files and how surely."""
    from .errors import FeedarchiveError
    from .formats import read_document
    from .formats.members import source_units
    from .repair import repair_streamed

    failed = 0
    for path in source_units(paths):
        tally = RepairTally(limit)
        try:
            doc = read_document(path, format_)
            decision, posts = repair_streamed(doc)
            if doc.profile is not None:
                tally.add("profile", None, doc.profile.repairs)
            for post in posts:  # each post repaired, counted and let go
                tally.add("post", post.line, post.repairs)
        except FeedarchiveError as error:
            click.secho(f"error: {error}", fg="red", err=True)
            failed += 1
            continue
        for page in doc.pages:
            tally.add("page", None, page.repairs)
        click.echo(f"{path}: {decision.summary()}")
        click.echo(f"  {tally.repairs} repairs ({tally.guessed} guessed) in "
                   f"{tally.fields_repaired} of {tally.fields} fields")
        for where, line, repair in tally.listed[:limit or None]:
            at = f"line {line}" if line else where
            click.echo(f"  {at} {repair.field}: {repair.before!r} -> {repair.after!r} "
                       f"[{repair.kind}, confidence {repair.confidence:.2f}]")
        if limit and tally.repairs > limit:
            click.echo(f"  … {tally.repairs - limit} more (--limit 0 lists all)")
    if failed:
        sys.exit(1)


@cli.command(name="fix-text")
@click.option("--explain", is_flag=True, help="List each repair on standard error.")
def fix_text(explain: bool) -> None:
    """Repair text read on standard input (one document) and write it to standard output."""
    from .repair import fix_document_text

    raw = sys.stdin.buffer.read().decode("utf-8", errors="replace")
    fixed, repairs = fix_document_text(raw)
    sys.stdout.write(fixed)
    if explain:
        for repair in repairs:
            click.echo(
                f"{repair.start}-{repair.end} {repair.kind} {repair.before!r} -> "
                f"{repair.after!r} (confidence {repair.confidence:.2f})",
                err=True,
            )


@cli.command()
@db_option
@click.option("--author", "authors", multiple=True, metavar="HANDLE",
              help="Only this author (repeatable; default: every author).")
def restitch(db_path: Path | None, authors: tuple[str, ...]) -> None:
    """Stitch threads afresh over whole timelines (imports only redo what they change)."""
    from .errors import FeedarchiveError
    from .restitch import restitch_archive
    from .store import open_db

    path = db_path or default_db()
    if not path.exists():
        raise click.ClickException(f"{path}: no archive there")
    try:
        with archive_errors():
            counts = restitch_archive(open_db(path), [a.lstrip("@") for a in authors] or None)
    except FeedarchiveError as error:
        raise click.ClickException(f"{path}: {error}") from None
    for handle, threads in counts.items():
        click.echo(f"@{handle}: {plural(threads, 'thread')}")


@cli.command(name="export-thread")
@click.argument("thread_id")
@db_option
def export_thread(thread_id: str, db_path: Path | None) -> None:
    """Print a thread as Markdown (the same as its web page's `.md`), missing parts marked."""
    from .unroll import export_thread as thread_to_markdown

    path = db_path or default_db()
    if not path.exists():
        raise click.ClickException(f"{path}: no archive there")
    markdown = thread_to_markdown(path, thread_id)
    if markdown is None:
        raise click.ClickException(f"no thread {thread_id} in {path}")
    click.echo(markdown, nl=False)


@cli.command()
@click.argument("out_dir", metavar="DIR", type=click.Path(path_type=Path))
@db_option
@click.option("--format", "format_", type=click.Choice(["parquet"]), default="parquet",
              show_default=True, help="File format of the export.")
@click.option("--include-private", is_flag=True,
              help="Also export followers-only and direct posts and what belongs to them "
                   "(left out by default).")
@click.option("--replace", is_flag=True, help="Replace an earlier export in DIR.")
def export(out_dir: Path, db_path: Path | None, format_: str, include_private: bool,
           replace: bool) -> None:
    """Write every public table as Parquet files in DIR (partitioned by author), with a
    manifest.json of row counts, for DuckDB, Spark or a warehouse."""
    from .export import ExportError, export_archive

    try:
        manifest = export_archive(db_path or default_db(), out_dir, format=format_,
                                  include_private=include_private, replace=replace)
    except ExportError as error:
        raise click.ClickException(str(error)) from None
    tables = manifest["tables"]
    files = sum(len(table["files"]) for table in tables.values())
    click.echo(f"{out_dir}: {plural(len(tables), 'table')}, "
               f"{sum(table['rows'] for table in tables.values())} rows "
               f"({plural(tables['posts']['rows'], 'post')}) in {plural(files, 'Parquet file')}")
