"""Every bench, one after the other (``make bench``); each writes its own section of
docs/benchmarks.md. Any that fails fails the run.

    .venv/bin/python bench/run_all.py
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ["pages.py", "growth.py", "checkout.py", "aid.py", "dashboard.py", "seed.py"]


def main() -> None:
    failed = []
    for name in SCRIPTS:
        print(f"== {name}", flush=True)
        if subprocess.run([sys.executable, str(HERE / name)], check=False).returncode:
            failed.append(name)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
