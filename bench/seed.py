"""``manage.py seed_demo`` on a fresh migrated database, as a newcomer's first
``make run`` does it: on SQLite (the ``make run`` default) and on PostgreSQL
(``aid_shop_bench_seed``, dropped and rebuilt each run). Target: < 90 s wall
on each. Wall and CPU time (user + system, of the seeding process alone) are
measured around the command, each in its own process as ``make run`` runs it;
the migration before it is timed apart. The seeded ledger is then checked
(``aid_verify_ledger``), and the script writes its section of
docs/benchmarks.md, keeping the hand-written notes between its
``<!-- notes -->`` markers.

    .venv/bin/python bench/seed.py [--backend sqlite|postgresql] [--rounds 1]
                                   [--profile] [--no-write]

``--profile`` runs the seeding under pyinstrument instead (slower; nothing is
written to docs/benchmarks.md) and saves docs/profiles/seed-BACKEND.html.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

TARGET_S = 90.0
DATABASE = "aid_shop_bench_seed"
BACKENDS = ("sqlite", "postgresql")
PROFILES = common.ROOT / "docs" / "profiles"


@dataclass
class Run:
    backend: str
    migrate_s: float
    wall_s: float
    cpu_s: float


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=BACKENDS, help="only this one (default: both)")
    parser.add_argument("--rounds", type=int, default=1, help="seedings per backend")
    parser.add_argument("--profile", action="store_true", help="pyinstrument HTML, no timing")
    parser.add_argument("--no-write", action="store_true", help="leave docs/benchmarks.md alone")
    args = parser.parse_args()
    backends = [args.backend] if args.backend else list(BACKENDS)

    if args.profile:
        for backend in backends:
            print(f"profile: {profile(backend=backend)}", flush=True)
        return

    load_before = common.load_average()
    runs = []
    # Alternating backends round by round, so both see the shared machine's load alike.
    for _round in range(args.rounds):
        for backend in backends:
            run = seed(backend=backend)
            print(
                f"{backend}: migrate {run.migrate_s:.1f} s, seed_demo {run.wall_s:.1f} s wall,"
                f" {run.cpu_s:.1f} s CPU",
                flush=True,
            )
            runs.append(run)
    load_after = common.load_average()
    body = report(runs, load_before=load_before, load_after=load_after)
    print(body)
    if not args.no_write:
        common.write_section(name="seed", body=body)


def fresh_environment(backend: str) -> dict[str, str]:
    """The environment of ``manage.py`` on a new empty database of ``backend``,
    as ``make run`` sees it (development settings, DEBUG on) but for the database."""
    url = common.use_fresh_database(name=DATABASE, sqlite=backend == "sqlite")
    environment = dict(os.environ, DATABASE_URL=url, MEDIA_ROOT=f"/tmp/{DATABASE}-media")
    environment.pop("DJANGO_DEBUG", None)
    return environment


def manage(*arguments: str, environment: dict[str, str]) -> tuple[float, float]:
    """Run ``manage.py`` with ``arguments`` in a process of its own; its wall and
    CPU seconds (user + system, that process alone)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(common.ROOT / "manage.py"), *arguments],
        env=environment,
        cwd=common.ROOT,
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        sys.exit(f"manage.py {' '.join(arguments)} failed")
    return wall, usage.ru_utime + usage.ru_stime


def seed(*, backend: str) -> Run:
    environment = fresh_environment(backend)
    migrate_s, _cpu = manage("migrate", "-v", "0", environment=environment)
    wall_s, cpu_s = manage("seed_demo", "-v", "0", environment=environment)
    # A fast seed that left the books wrong would be no gain.
    manage("aid_verify_ledger", environment=environment)
    return Run(backend=backend, migrate_s=migrate_s, wall_s=wall_s, cpu_s=cpu_s)


def profile(*, backend: str) -> Path:
    environment = fresh_environment(backend)
    manage("migrate", "-v", "0", environment=environment)
    PROFILES.mkdir(parents=True, exist_ok=True)
    output = PROFILES / f"seed-{backend}.html"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pyinstrument",
            "-r",
            "html",
            "-o",
            str(output),
            str(common.ROOT / "manage.py"),
            "seed_demo",
            "-v",
            "0",
        ],
        env=environment,
        cwd=common.ROOT,
        check=True,
    )
    common.shrink_profile_html(output)
    return output


def report(runs: list[Run], *, load_before: str, load_after: str) -> str:
    rows = []
    for backend in BACKENDS:
        mine = [run for run in runs if run.backend == backend]
        if not mine:
            continue
        wall = statistics.median(run.wall_s for run in mine)
        cpu = statistics.median(run.cpu_s for run in mine)
        migrate_s = statistics.median(run.migrate_s for run in mine)
        if wall < TARGET_S:
            verdict = f"< {TARGET_S:.0f} s: met ({TARGET_S - wall:.0f} s to spare)"
        else:
            verdict = f"< {TARGET_S:.0f} s: **missed** by {wall - TARGET_S:.0f} s"
        rows.append(
            [
                backend,
                str(len(mine)),
                f"{migrate_s:.1f} s",
                f"{wall:.1f} s",
                f"{cpu:.1f} s",
                ", ".join(f"{run.wall_s:.1f}" for run in mine),
                verdict,
            ]
        )
    table = common.markdown_table(
        ["database", "runs", "migrate", "seed_demo wall", "CPU", "each run's wall (s)", "target"],
        rows,
        align="lrrrrrl",
    )
    return f"""
## seed_demo on a fresh database (`bench/seed.py`)

```sh
.venv/bin/python bench/seed.py                       # both databases, or one:
.venv/bin/python bench/seed.py --backend postgresql --rounds 3
.venv/bin/python bench/seed.py --backend sqlite --profile   # docs/profiles/seed-sqlite.html
```

What a newcomer's first `make run` waits for: `manage.py seed_demo` in a process of its
own on a freshly migrated database, SQLite (the `make run` default, a file in /tmp) and
PostgreSQL (`{DATABASE}`, rebuilt each run), with the development settings. The whole
demo: 35 villages, 12 products, 722 households, 836 orders over a year through the real
services, 11 closed months, 99 notices, both payout batches paid. The migration before
it is timed apart; CPU is the seeding process's own (user + system), so wall time above
it is waiting on the database or on the shared machine. Each seeded ledger is checked
by `aid_verify_ledger`. Medians of the runs; the backends alternate run by run.

{time.strftime("%Y-%m-%d")}, {common.machine_without_database()}; load average
{load_before} before the run, {load_after} after it (1, 5, 15 min):

{table}

{common.kept_notes(name="seed")}
"""


if __name__ == "__main__":
    main()
