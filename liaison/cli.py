"""The `liaison` command line: run the demo, serve, manage, and work with the Directory."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from collections.abc import Sequence
from typing import Any

DEMO_PASSWORD_ENV = "LIAISON_DEMO_PASSWORD"


def _setup(*, https: bool | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if https is False:
        os.environ.setdefault("LIAISON_HTTPS", "0")
    import django

    django.setup()


def _manage(*args: str, **options: Any) -> None:
    from django.core.management import call_command

    call_command(*args, **options)


def cmd_demo(opts: argparse.Namespace) -> int:
    """Create the database, load the demo data, print the logins, serve."""
    _setup(https=False)
    from liaison.accounts.demo import ensure_demo_users
    from liaison.directory.demo import load_demo_directory

    print("Preparing the database…", flush=True)
    _manage("migrate", "--no-input", verbosity=0)
    password = os.environ.get(DEMO_PASSWORD_ENV) or secrets.token_urlsafe(9)
    users = ensure_demo_users(password=password)
    counts = load_demo_directory(by=users["admin"])
    users = ensure_demo_users(password=password)
    print(
        "Demo data: {organisations} organisations, {people} people, {countries} countries, "
        "{localities} localities.".format(**counts)
    )
    from liaison.activities.demo import load_demo as load_demo_activities
    from liaison.activities.models import Activity

    load_demo_activities(by=users["admin"])
    print(f"Demo activities: {Activity.objects.count()} (the seed articles' and synthetic ones marked Demo).")
    from liaison.coordination.demo import load_demo_coordination

    coordination = load_demo_coordination(by=users["admin"])
    print("Demo coordination: {agreements} agreements, {notices} notices.".format(**coordination))
    from liaison.implementation.demo import load_demo_implementation

    implementation = load_demo_implementation(by=users["admin"])
    print(
        "Demo implementation tracking: {documents} guiding documents, {plans} plans, "
        "{reports} reports.".format(**implementation)
    )
    from liaison.intake.demo import load_demo_intake

    intake = load_demo_intake(users["admin"])
    print("Demo intake: {documents} seed articles, {accepted} proposals accepted.".format(**intake))
    from liaison.membership.demo import load_demo_membership

    membership = load_demo_membership(by=users["admin"])
    print(
        "Demo membership register (synthetic names): {branches} branches ({abroad} abroad), "
        "{members} members, {pending} transfers awaiting receipt.".format(**membership)
    )
    url = f"http://{opts.host}:{opts.port}/"
    print("\nLiaison is ready at", url)
    print("Sign in as the demo administrator:")
    print(f"  user name: admin\n  password:  {password}")
    print("Other demo users (same password): " + ", ".join(sorted(u for u in users if u != "admin")))
    if opts.no_serve:
        return 0
    return _serve(opts.host, opts.port, opts.threads)


def _serve(host: str, port: int, threads: int) -> int:
    from waitress import serve

    from config.wsgi import application
    from liaison.core.tasks import start_periodic

    start_periodic()  # periodic tasks, from this process unless Celery beat schedules them
    print(f"Serving on http://{host}:{port}/ (Ctrl-C stops)", flush=True)
    serve(application, host=host, port=port, threads=threads, ident="liaison")
    return 0


def cmd_serve(opts: argparse.Namespace) -> int:
    _setup()
    return _serve(opts.host, opts.port, opts.threads)


def cmd_manage(opts: argparse.Namespace) -> int:
    _setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["liaison manage", *opts.args])
    return 0


def cmd_token(opts: argparse.Namespace) -> int:
    _setup()
    from liaison.accounts.models import User
    from liaison.accounts.tokens import create_api_token

    user = User.objects.filter(username=opts.username).first()
    if user is None:
        print(f"No user named {opts.username!r}.", file=sys.stderr)
        return 2
    print(create_api_token(user=user, name=opts.name))
    return 0


def cmd_match(opts: argparse.Namespace) -> int:
    """Show what the shared name matcher finds for a spelling (no access filtering: admin tool)."""
    _setup()
    from liaison.core.name_index import lookup

    for m in lookup(kind=opts.kind, query=opts.query, limit=opts.limit):
        print(f"{m.score:.3f}  {m.key:>8}  {m.value}")
    return 0


_TRANSFER_KINDS = {"organisations": "organisation", "people": "person"}


def _user_named(username: str) -> Any:
    from liaison.accounts.models import User

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        print(f"No active user named {username!r}.", file=sys.stderr)
    return user


def cmd_export(opts: argparse.Namespace) -> int:
    """Export organisations or people (what --as may see; without it, everything) to a file."""
    _setup()
    from pathlib import Path

    from liaison.core.audit import acting_as
    from liaison.directory.transfer import export_file

    user = _user_named(opts.as_user) if opts.as_user else None
    if opts.as_user and user is None:
        return 2
    with acting_as(user, via="cli"):
        count = export_file(
            user=user, kind=_TRANSFER_KINDS[opts.kind], fmt=opts.format, path=Path(opts.output)
        )
    print(f"Exported {count} {opts.kind} to {opts.output}.")
    return 0


def cmd_import(opts: argparse.Namespace) -> int:
    """Check a file and print what it would do; with --commit, import it (all rows or none)."""
    _setup()
    from pathlib import Path

    from liaison.directory.tabular import TableError
    from liaison.directory.transfer import import_file

    user = _user_named(opts.as_user)
    if user is None:
        return 2
    try:
        report = import_file(
            user=user, kind=_TRANSFER_KINDS[opts.kind], path=Path(opts.file), commit=opts.commit
        )
    except (OSError, TableError) as error:
        print(f"Cannot read {opts.file}: {error}", file=sys.stderr)
        return 2
    for plan in report.plans:
        changes = ", ".join(plan.changes)
        print(f"row {plan.row:>6}  {plan.action:<9}  {plan.key or '-':<24}  {plan.label}  {changes}")
    for row_error in report.errors:
        print(row_error, file=sys.stderr)
    counts = report.counts
    summary = f"{counts['create']} to create, {counts['update']} to update, {counts['unchanged']} unchanged"
    if report.errors:
        print(f"{len(report.errors)} errors; nothing was imported ({summary}).", file=sys.stderr)
        return 1
    print(f"Imported: {summary}." if report.committed else f"Dry run: {summary}. Add --commit to import.")
    return 0


def cmd_import_members(opts: argparse.Namespace) -> int:
    """Check a file of members or branches and print a summary; with --commit, import it (all
    rows or none). Progress goes to stderr; the exit code is 1 when rows have errors."""
    _setup()
    import time
    from pathlib import Path

    from liaison.directory.tabular import TableError
    from liaison.membership import importing

    user = _user_named(opts.as_user)
    if user is None:
        return 2
    if not importing.may_import(user):
        print(f"{user.username} may not create members in any branch.", file=sys.stderr)
        return 2
    started = time.perf_counter()
    stages = {"read": "reading", "check": "checking", "write": "writing"}

    def progress(stage: str, done: int, total: int) -> None:
        _progress(done, total, stages.get(stage, stage))

    try:
        report = importing.import_file(
            user=user,
            kind=opts.kind,
            path=Path(opts.file),
            commit=opts.commit,
            progress=progress,
            max_bytes=0,
        )
    except (OSError, TableError) as error:
        print(file=sys.stderr)
        print(f"Cannot read {opts.file}: {error}", file=sys.stderr)
        return 2
    print(file=sys.stderr)
    if opts.verbose:
        for plan in report.plans:
            changes = ", ".join(plan.changes)
            print(f"row {plan.row:>6}  {plan.action:<9}  {plan.key or '-':<24}  {plan.label}  {changes}")
    for row_error in report.errors:
        print(row_error, file=sys.stderr)
    counts = report.counts
    summary = (
        f"{report.rows} rows: {counts['create']} to create, {counts['update']} to update, "
        f"{counts['unchanged']} unchanged"
    )
    seconds = f"{time.perf_counter() - started:.1f} s"
    if report.errors:
        duplicates = f", {len(report.duplicates)} probable duplicates" if report.duplicates else ""
        print(
            f"{len(report.errors)} errors{duplicates}; nothing was imported ({summary}; {seconds}).",
            file=sys.stderr,
        )
        return 1
    if report.committed:
        print(f"Imported {summary} ({seconds}).")
    else:
        print(f"Dry run: {summary} ({seconds}). Add --commit to import.")
    return 0


def cmd_reindex(opts: argparse.Namespace) -> int:
    """Rebuild the name-matcher keys and full-text entries of the Directory."""
    _setup()
    from liaison.directory.indexing import reindex_all

    counts = reindex_all()
    print(f"Reindexed {counts['organisation']} organisations and {counts['person']} people.")
    return 0


def _intake_resolver(directory: str) -> Any:
    """The seed data in memory ("seed"), or the configured database ("db")."""
    if directory == "db":
        _setup()
        from liaison.intake.extraction.resolve_db import DirectoryResolver

        return DirectoryResolver()
    from liaison.intake.extraction.resolve_memory import MemoryResolver

    return MemoryResolver.from_seed_data()


def cmd_extract(opts: argparse.Namespace) -> int:
    """Print what extraction would propose for one document, as JSON; nothing is stored."""
    import datetime as dt
    import json
    from pathlib import Path

    from liaison.intake.extraction import ExtractionError, default_pipeline
    from liaison.intake.extraction.cleaning import decode

    try:
        date = dt.date.fromisoformat(opts.date) if opts.date else None
        text = decode(Path(opts.file).read_bytes())
        extraction = default_pipeline(_intake_resolver(opts.directory)).run(
            text, date=date, language=opts.language
        )
    except (OSError, ValueError) as error:
        kind = "Cannot read" if isinstance(error, (OSError, ExtractionError)) else "Bad option for"
        print(f"{kind} {opts.file}: {error}", file=sys.stderr)
        return 2
    print(json.dumps(extraction.as_json(), ensure_ascii=False, indent=2))
    return 0


def cmd_evaluate_extraction(opts: argparse.Namespace) -> int:
    """Print precision, recall and F1 per proposal type against gold annotations."""
    from pathlib import Path

    from liaison.intake.extraction import default_pipeline
    from liaison.intake.extraction.evaluation import GOLD_DIR, evaluate, format_report, load_gold
    from liaison.intake.extraction.resolve_memory import MemoryResolver

    try:
        documents = load_gold(Path(opts.gold) if opts.gold else GOLD_DIR, language=opts.language)
    except (OSError, ValueError) as error:
        print(f"Cannot read the gold files: {error}", file=sys.stderr)
        return 2
    if not documents:
        print("No gold files found.", file=sys.stderr)
        return 2
    if opts.held_out:
        report = evaluate(
            lambda d: default_pipeline(MemoryResolver.from_seed_data(without_source=d.path.stem + ".txt")),
            documents,
        )
    else:
        report = evaluate(default_pipeline(_intake_resolver("seed")), documents)
    print(f"{report.documents} documents")
    print(format_report(report))
    if opts.verbose:
        for line in report.misses:
            print("missed  ", line)
        for line in report.extras:
            print("extra   ", line)
    return 0


_INGEST_SUFFIXES = (".txt", ".html", ".htm", ".docx", ".pdf")
_CLASSIFICATIONS = {"public": 0, "internal": 1, "restricted": 2}


def _ingest_files(paths: Sequence[str]) -> list[Any]:
    """The files named, and the supported files under the folders named (recursively), in order."""
    from pathlib import Path

    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _INGEST_SUFFIXES)
            )
        else:
            files.append(path)
    return files


def _progress(done: int, total: int, label: str) -> None:
    width = 30
    filled = width * done // max(total, 1)
    bar = "#" * filled + "-" * (width - filled)
    print(f"\r[{bar}] {done}/{total} {label[-40:]:<40}", end="", file=sys.stderr, flush=True)


def cmd_ingest(opts: argparse.Namespace) -> int:
    """Store documents (files and folders), extract their proposals, and summarise."""
    _setup()
    from django.core.exceptions import PermissionDenied, ValidationError

    from liaison.core import access
    from liaison.core.audit import acting_as
    from liaison.directory.models import Organisation
    from liaison.intake.extraction.resolve_db import DirectoryResolver
    from liaison.intake.services import ingest

    key = opts.owner
    owner = Organisation.objects.filter(external_key=key).first() or (
        Organisation.objects.filter(pk=int(key)).first() if key.isdigit() else None
    )
    if owner is None:
        print(f"No organisation with the external key or id {key!r}.", file=sys.stderr)
        return 2
    user = _user_named(opts.as_user) if opts.as_user else None
    if opts.as_user and user is None:
        return 2
    classification = _CLASSIFICATIONS[opts.classification]
    if user is not None and not access.can_create(user, owner=owner, classification=classification):
        print(f"{user.username} may not add {opts.classification} documents for this owner.", file=sys.stderr)
        return 2
    files = _ingest_files(opts.paths)
    resolver = DirectoryResolver()
    ingested: list[str] = []
    known: list[str] = []
    refused: list[tuple[str, str]] = []
    with acting_as(user, via="cli"):
        for done, path in enumerate(files):
            _progress(done, len(files), path.name)
            try:
                result = ingest(
                    user,
                    owner=owner,
                    classification=classification,
                    name=path.name,
                    content=path.read_bytes(),
                    resolver=resolver,
                )
            except OSError as error:
                refused.append((str(path), f"cannot read it: {error.strerror or error}"))
            except ValidationError as error:
                refused.append((str(path), " ".join(error.messages)))
            except PermissionDenied as error:
                refused.append((str(path), str(error)))
            else:
                (ingested if result.created else known).append(str(path))
        _progress(len(files), len(files), "done")
    print(file=sys.stderr)
    print(f"Ingested {len(ingested)}, already known {len(known)}, refused {len(refused)} (of {len(files)}).")
    for path, reason in refused:
        print(f"refused  {path}: {reason}", file=sys.stderr)
    return 1 if refused else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="liaison", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def server_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
        p.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")

    demo = sub.add_parser("demo", help="set up the demo (SQLite, demo data, logins) and serve it")
    server_options(demo)
    demo.add_argument("--no-serve", action="store_true", help="prepare and print the logins, then stop")
    demo.set_defaults(func=cmd_demo)

    serve = sub.add_parser("serve", help="serve Liaison with the configured settings")
    server_options(serve)
    serve.set_defaults(func=cmd_serve)

    manage = sub.add_parser("manage", help="run a Django management command", add_help=False)
    manage.add_argument("args", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)

    token = sub.add_parser("token", help="create a personal API token for a user")
    token.add_argument("username")
    token.add_argument("--name", default="cli", help="a label for the token")
    token.set_defaults(func=cmd_token)

    reindex = sub.add_parser("reindex", help="rebuild the name-matcher keys and full-text search entries")
    reindex.set_defaults(func=cmd_reindex)

    match = sub.add_parser("match", help="look a name up with the shared matcher")
    match.add_argument("kind", choices=["person", "organisation"])
    match.add_argument("query")
    match.add_argument("--limit", type=int, default=10)
    match.set_defaults(func=cmd_match)

    export = sub.add_parser("export", help="export organisations or people to a CSV or XLSX file")
    export.add_argument("kind", choices=sorted(_TRANSFER_KINDS))
    export.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    export.add_argument("-o", "--output", required=True, help="the file to write")
    export.add_argument("--as", dest="as_user", metavar="USERNAME", help="export what this user may see")
    export.set_defaults(func=cmd_export)

    import_ = sub.add_parser("import", help="check (and with --commit, import) a CSV or XLSX file")
    import_.add_argument("kind", choices=sorted(_TRANSFER_KINDS))
    import_.add_argument("file")
    import_.add_argument(
        "--as", dest="as_user", metavar="USERNAME", required=True, help="import as this user"
    )
    import_.add_argument("--commit", action="store_true", help="write the rows (default: only check)")
    import_.set_defaults(func=cmd_import)

    members = sub.add_parser(
        "import-members",
        help="check (and with --commit, import) a CSV or XLSX file of members or branches",
        description=(
            "Check every row of a file of members (or branches) and print what it would do; with "
            "--commit, write all rows or none. Importing the same file again changes nothing."
        ),
    )
    members.add_argument("file", metavar="PATH")
    members.add_argument("--kind", choices=["member", "branch"], default="member", help="(default member)")
    members.add_argument(
        "--as",
        "--user",
        dest="as_user",
        metavar="USERNAME",
        required=True,
        help="import as this user (each row checked by the access policy)",
    )
    members.add_argument("--commit", action="store_true", help="write the rows (default: only check)")
    members.add_argument("-v", "--verbose", action="store_true", help="print what each row does")
    members.set_defaults(func=cmd_import_members)

    extract = sub.add_parser(
        "extract", help="print the records a document would give (JSON proposals); stores nothing"
    )
    extract.add_argument("file", help="a UTF-8 text file (Arabic, English or Vietnamese)")
    extract.add_argument(
        "--date", help="the document's date (YYYY-MM-DD): missing years are inferred from it"
    )
    extract.add_argument("--language", choices=["ar", "en", "vi"], help="skip language detection")
    extract.add_argument(
        "--directory",
        choices=["seed", "db"],
        default="seed",
        help="resolve names against the seed data in memory (default) or the configured database",
    )
    extract.set_defaults(func=cmd_extract)

    ingest = sub.add_parser(
        "ingest", help="store documents (files, folders) and their extraction proposals; print a summary"
    )
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="files, or folders (.txt .html .docx .pdf)")
    ingest.add_argument("--owner", required=True, help="the owning organisation: its external key or id")
    ingest.add_argument(
        "--classification", choices=list(_CLASSIFICATIONS), default="internal", help="(default internal)"
    )
    ingest.add_argument(
        "--as", dest="as_user", metavar="USERNAME", help="ingest as this user (checked by the access policy)"
    )
    ingest.set_defaults(func=cmd_ingest)

    evaluate = sub.add_parser(
        "evaluate-extraction",
        help="precision, recall and F1 of extraction per type against gold annotations",
        description=(
            "A proposal matches a gold item of the same type when their spans overlap (an event: any "
            "of its mentions) and the normalised values agree: people, the same Directory entry (or "
            "both new) and the same set of titles (role, organisation); organisations and places, the "
            "same Directory entry (or both new); dates, the same ISO value and inferred-year flag; "
            "figures, the same number, unit and approximate flag; document references, the same code "
            "(else kind and number); events, the same activity and session kind. Names are resolved "
            "against the seed Directory in memory: no database, no network."
        ),
    )
    evaluate.add_argument("--gold", help="a folder of gold files (default: liaison/intake/gold)")
    evaluate.add_argument(
        "--language", choices=["ar", "en", "vi"], help="only the gold files in this language"
    )
    evaluate.add_argument(
        "--held-out",
        action="store_true",
        help="leave out of the Directory the spellings taken from the article being scored",
    )
    evaluate.add_argument("-v", "--verbose", action="store_true", help="list every miss and extra proposal")
    evaluate.set_defaults(func=cmd_evaluate_extraction)
    return parser


def main(argv: Sequence[str] | None = None) -> Any:
    opts = build_parser().parse_args(argv)
    return opts.func(opts)


if __name__ == "__main__":
    sys.exit(main())
