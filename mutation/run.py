"""Mutation testing of the modules that move money or stock (``make mutants``).

For each module: copy the work tree (committed or not) to a scratch folder, write
mutmut's configuration there, run ``mutmut run`` over that one module with its own
tests, and print its score and its survivors. A survivor listed in
``mutation/survivors.toml`` (with a reason) is justified; any other fails the run, as
does a score under ``TARGET``. See docs/testing.md.

    python mutation/run.py                     # every module
    python mutation/run.py refunds checkout    # some
    python mutation/run.py --list              # the module names

mutmut leaves a function with decorators unmutated: the modules here open
``with transaction.atomic():`` in the body instead of using the decorator.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SURVIVORS = ROOT / "mutation" / "survivors.toml"
TARGET = 90.0  # per cent of mutants killed, per module
# Folders and files the tests need besides the mutated module (mutmut copies them).
ALSO_COPY = [
    "config/",
    "core/",
    "messaging/",
    "producers/",
    "shop/",
    "aid_accounting/",
    "templates/",
    "static/",
    "locale/",
    "mutation/",
    "manage.py",
    "pyproject.toml",
]
# Thread races (the ``sqlite`` marker) do not run under mutmut's forked processes;
# the service markers have no service here, but Redis for a module that asks for it.
PYTEST_ARGS = [
    *("-p", "no:cacheprovider", "-p", "no:xdist", "-p", "mutation.db_copy"),
    *("-q", "-x", "--reuse-db"),
]
DESELECTED = ["sqlite", "postgres", "redis", "worker", "e2e"]
# A module whose tests need a Redis cache gets this one (MUTATION_CACHE_URL to change it).
CACHE_URL = os.environ.get("MUTATION_CACHE_URL", "redis://127.0.0.1:6379/12")


@dataclass(frozen=True)
class Module:
    path: str
    tests: tuple[str, ...]
    # Its tests read Redis (the page cache's dependency keys): they run, one mutant
    # at a time, since each test empties the cache.
    redis: bool = False


MODULES = {
    # Each module's own test folder. tests/aid_accounting/test_properties.py (Hypothesis
    # over whole months) is left out: it costs minutes per mutant, hours per module.
    "allocation": Module("aid_accounting/rules/allocation.py", ("tests/aid_accounting/rules",)),
    "accrual": Module("aid_accounting/accrual/accrue.py", ("tests/aid_accounting/accrual",)),
    "close": Module(
        "aid_accounting/periods/close.py",
        ("tests/aid_accounting/periods", "tests/aid_accounting/test_service_roles.py"),
    ),
    "payouts": Module(
        "aid_accounting/payouts/batches.py",
        ("tests/aid_accounting/payouts", "tests/aid_accounting/test_service_roles.py"),
    ),
    "payable": Module("aid_accounting/payouts/payable.py", ("tests/aid_accounting/payouts",)),
    "refunds": Module(
        "shop/payments/refunds.py",
        (
            "tests/shop/payments/test_refunds.py",
            "tests/shop/payments/test_surplus.py",
            "tests/shop/test_service_roles.py",
        ),
    ),
    "checkout": Module("shop/orders/checkout.py", ("tests/shop/orders/test_checkout.py",)),
    "inventory": Module(
        "shop/orders/inventory.py",
        ("tests/shop/orders/test_inventory.py", "tests/shop/test_service_roles.py"),
        redis=True,
    ),
    "cart": Module("shop/orders/cart.py", ("tests/shop/orders/test_cart.py",)),
    "money": Module("core/money.py", ("tests/core/test_money.py",)),
    "certificate_figures": Module(
        "aid_accounting/certificates/figures.py",
        ("tests/aid_accounting/certificates/test_figures.py",),
    ),
}

KILLED = {1, 3, 24, -24, 152, 255, 36, 37}  # failed, pytest error, CPU or wall time out


def scratch_copy(target: Path) -> None:
    """The work tree's files as they are now (tracked or new, not ignored)."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        source = ROOT / os.fsdecode(name)
        if source.is_file():  # a deleted file is still listed until committed
            (target / os.fsdecode(name)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / os.fsdecode(name))


def prepare_database(work: Path) -> Path:
    """A migrated SQLite database the test processes copy (mutation/db_copy.py)."""
    prepared = work / "prepared.sqlite3"
    tree = work / "prepare"
    scratch_copy(tree)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{prepared}"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=tree,
        env=env,
        check=True,
    )
    shutil.rmtree(tree)
    return prepared


def mutmut_config(module: Module) -> str:
    deselected = [marker for marker in DESELECTED if not (module.redis and marker == "redis")]
    lines = [
        "[mutmut]",
        "source_paths = .",
        f"only_mutate = {module.path}",
        "pytest_add_cli_args =",
        *(f"    {arg}" for arg in PYTEST_ARGS),
        "    -m",
        f"    {' and '.join(f'not {marker}' for marker in deselected)}",
        "pytest_add_cli_args_test_selection =",
        *(f"    {path}" for path in module.tests),
        "also_copy =",
        *(f"    {path}" for path in ALSO_COPY),
        "",
    ]
    return "\n".join(lines)


def mutmut(tree: Path, *args: str, env: dict[str, str]) -> str:
    """mutmut's output; its progress spinner goes to ``<tree>/mutmut.log``, not the screen."""
    command = [str(Path(sys.executable).parent / "mutmut"), *args]
    done = subprocess.run(command, cwd=tree, env=env, text=True, capture_output=True, check=False)
    with (tree / "mutmut.log").open("a") as log:
        log.write(done.stdout + done.stderr)
    if done.returncode:
        sys.exit(f"mutmut {' '.join(args)} failed (exit {done.returncode}): see {tree}/mutmut.log")
    return done.stdout


def results(tree: Path, module: Module) -> dict[str, int | None]:
    meta = tree / "mutants" / f"{module.path}.meta"
    return json.loads(meta.read_text())["exit_code_by_key"]


def run_module(name: str, work: Path, prepared: Path, max_children: int, justified: dict) -> bool:
    module = MODULES[name]
    tree = work / name
    scratch_copy(tree)
    (tree / "setup.cfg").write_text(mutmut_config(module))
    env = {
        **os.environ,
        "MUTATION_PREPARED_DB": str(prepared),
        "DATABASE_URL": f"sqlite:///{work / f'{name}.sqlite3'}",
        # The scratch copy first: the virtualenv's editable install points at the work
        # tree, which may change (a merge, a checkout) while the run goes on.
        "PYTHONPATH": str(tree / "mutants"),
    }
    env.pop("CI", None)  # a skipped service test must not fail here
    if module.redis:
        env["CACHE_URL"] = CACHE_URL
        max_children = 1
    else:
        env.pop("CACHE_URL", None)
    (tree / "mutants").mkdir()  # on sys.path from the start: Python skips a missing folder
    print(f"== {name}: {module.path} (progress in {tree}/mutmut.log)", flush=True)
    mutmut(tree, "run", "--max-children", str(max_children), env=env)

    codes = results(tree, module)
    killed = [key for key, code in codes.items() if code in KILLED]
    survivors = sorted(key for key, code in codes.items() if code not in KILLED)
    listed = justified.get(name, {})
    unjustified = [key for key in survivors if key not in listed]
    stale = sorted(set(listed) - set(survivors))
    score = 100 * len(killed) / len(codes) if codes else 100.0

    print(f"\n{name}: {len(killed)}/{len(codes)} killed = {score:.1f} % (target {TARGET:.0f} %)")
    for key in survivors:
        if key in listed:
            print(f"  justified  {key}: {listed[key]}")
    for key in unjustified:
        print(f"  SURVIVED   {key} ({codes[key]})")
        print(mutmut(tree, "show", key, env=env))
    for key in stale:
        print(f"  stale entry in survivors.toml (killed or gone): {key}")
    return score >= TARGET and not unjustified and not stale


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="module names (default: all)")
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--list", action="store_true", help="list the module names")
    parser.add_argument(
        "--work",
        type=Path,
        default=Path(os.environ.get("MUTATION_DIR", "/tmp/mutation")),
        help="scratch folder (default /tmp/mutation or $MUTATION_DIR)",
    )
    options = parser.parse_args()
    if options.list:
        for name, module in MODULES.items():
            print(f"{name:12} {module.path}")
        return 0
    unknown = set(options.modules) - set(MODULES)
    if unknown:
        parser.error(f"unknown module(s): {', '.join(sorted(unknown))}; see --list")
    justified = tomllib.loads(SURVIVORS.read_text())
    options.work.mkdir(parents=True, exist_ok=True)
    prepared = prepare_database(options.work)
    outcome = {
        name: run_module(name, options.work, prepared, options.max_children, justified)
        for name in options.modules or MODULES
    }
    print("\n" + "\n".join(f"{'ok  ' if ok else 'FAIL'} {name}" for name, ok in outcome.items()))
    return 0 if all(outcome.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
