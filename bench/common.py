"""What the bench scripts share: a dedicated database per bench, the demo
township to measure on, and the script's section of docs/benchmarks.md.

A bench that writes (checkout, aid) never touches the database the settings
point at: ``use_fresh_database`` drops and recreates its own PostgreSQL
database (or SQLite file) and must be called before ``django.setup()``, since
the settings read ``DATABASE_URL`` when they load.
"""

import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS_MD = ROOT / "docs" / "benchmarks.md"
# Trust auth, as in docs/deploy.md's local setup; BENCH_POSTGRES_URL points elsewhere.
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")


def use_fresh_database(*, name: str, sqlite: bool = False) -> str:
    """Create an empty database ``name`` (dropping any earlier one) and point
    this process's settings at it, with media in a scratch folder; returns
    its URL. Call before ``django.setup()``, then ``migrate()``."""
    if sqlite:
        path = Path(f"/tmp/{name}.sqlite3")
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        import psycopg

        with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            server.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
        url = f"{POSTGRES_SERVER}/{name}"
    os.environ["DATABASE_URL"] = url
    os.environ["MEDIA_ROOT"] = f"/tmp/{name}-media"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    return url


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def seed_township(*, households: bool = True) -> None:
    """The demo township as ``seed_demo`` builds it, without its year of
    orders: villages, producers with their story pages, users, products,
    and (with ``households``) the 722 households and the 25% aid rules."""
    from django.db import transaction
    from django.test.utils import override_settings

    from aid_accounting.demo import seed_aid, seed_households
    from aid_accounting.management.commands.seed_demo import SILENT_MAILERS
    from producers.demo import seed_producers, seed_users, seed_villages
    from shop.catalogue.models import HomePage
    from shop.demo.catalogue import seed_products

    with override_settings(MAILERS=SILENT_MAILERS), transaction.atomic():
        villages = seed_villages()
        pages = seed_producers(home_page=HomePage.objects.get(), villages=villages)
        seed_users()
        seed_products(producer_pages=pages)
        if households:
            seed_households(villages=[v for v in villages.values() if v.is_poor_village])
            seed_aid()


def analyze() -> None:
    """Refresh the planner's statistics after loading data in bulk, as
    autovacuum would on a live database, so measured queries are planned as
    they would be there."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def machine() -> str:
    from django.db import connection

    server = ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server = f" {cursor.fetchone()[0].split()[0]}"
    return (
        f"{connection.vendor}{server}, Python {platform.python_version()}, {os.cpu_count()} cores"
    )


def write_section(*, name: str, body: str) -> None:
    """Replace the text between ``<!-- bench:name -->`` and ``<!-- /bench:name -->``
    in docs/benchmarks.md (or add the section at the end), leaving the rest,
    which other scripts and people write, as it is."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    section = f"{start}\n{body.strip()}\n{end}"
    text = BENCHMARKS_MD.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _match: section, text)
    else:
        text = f"{text.rstrip()}\n\n{section}\n"
    BENCHMARKS_MD.write_text(text, encoding="utf-8")


def markdown_table(header: list[str], rows: list[list[str]], *, align: str) -> str:
    """``align`` is one character per column: l or r."""
    rule = ["---" if a == "l" else "---:" for a in align]
    lines = [header, rule, *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def machine_without_database() -> str:
    """``machine()`` for a bench that runs Django in child processes only: both
    databases' versions, read without Django."""
    import sqlite3

    import psycopg

    with psycopg.connect(f"{POSTGRES_SERVER}/postgres") as server:
        postgres = server.execute("SHOW server_version").fetchone()[0].split()[0]
    return (
        f"SQLite {sqlite3.sqlite_version}, postgresql {postgres}, "
        f"Python {platform.python_version()}, {os.cpu_count()} cores"
    )


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def machine_state(load_before: str) -> str:
    """How the machine stood before a run, from its load average then (as
    ``load_average`` gives it): below one process running on average over the last
    minute, nothing else was running."""
    one_minute = float(load_before.replace(",", " ").split()[0])
    return "idle" if one_minute < 1.0 else "shared with other work, so noisy"


NOTES_START, NOTES_END = "<!-- notes -->", "<!-- /notes -->"


def kept_notes(*, name: str) -> str:
    """The hand-written notes in section ``name`` as it stands, to write back unchanged."""
    text = BENCHMARKS_MD.read_text(encoding="utf-8")
    section = re.search(
        re.escape(f"<!-- bench:{name} -->") + r".*?" + re.escape(f"<!-- /bench:{name} -->"),
        text,
        re.DOTALL,
    )
    found = section and re.search(
        re.escape(NOTES_START) + r".*?" + re.escape(NOTES_END), section[0], re.DOTALL
    )
    return found[0] if found else f"{NOTES_START}\n{NOTES_END}"


def shrink_profile_html(path: Path, *, share: float = 0.002) -> None:
    """Drop the frames of a pyinstrument HTML profile that took less than
    ``share`` of the whole (their time stays in their parents'), so that a
    profile of minutes through Django's deep stacks stays small enough to keep
    beside the figures (tens of megabytes otherwise)."""
    import json

    text = path.read_text(encoding="utf-8")
    found = re.search(r"const sessionData = (\{.*?\});\s*\n", text, re.DOTALL)
    data = json.loads(found[1])
    least = data["frame_tree"]["time"] * share

    def prune(frame: dict) -> None:
        frame["children"] = [child for child in frame["children"] if child["time"] >= least]
        for child in frame["children"]:
            prune(child)

    prune(data["frame_tree"])
    path.write_text(
        text[: found.start(1)] + json.dumps(data) + text[found.end(1) :], encoding="utf-8"
    )


def median_and_queries(call: Callable[[], object], *, requests: int) -> tuple[float, int]:
    """Median seconds of ``requests`` calls, and the queries of one: after a first
    call that warms imports and templates."""
    from django.db import connection

    call()
    queries = []

    def count(execute, sql, *args):
        queries.append(sql)
        return execute(sql, *args)

    with connection.execute_wrapper(count):
        call()
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), len(queries)
