#!/usr/bin/env python3
"""The two commands of the README, and the benchmarks, on a fresh machine with Python 3.11+.

    python3 tasks.py demo     # install, then serve the API on the embedded PostgreSQL with demo data
    python3 tasks.py test     # install, then run the whole test suite
    python3 tasks.py bench    # install, then run the benchmarks (see docs/benchmarks.md)
    python3 tasks.py install  # only install (CI does, before running the tests without a network)

Each installs the project and its dependencies into .venv first (again only when
pyproject.toml changes). Extra arguments go to the command run.
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed-from"


def ensure_installed() -> None:
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print(f"Creating a virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing Community Trigger and its dependencies (once; a minute or two) ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(wanted)


def main() -> int:
    commands = {
        "demo": [str(BIN / "community-trigger"), "serve", "--demo"],
        "test": [str(BIN / "python"), "-m", "pytest"],
        "bench": [str(BIN / "community-trigger"), "bench"],
        "install": [],
    }
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    ensure_installed()
    if sys.argv[1] == "install":
        return 0
    command = [*commands[sys.argv[1]], *sys.argv[2:]]
    if os.name == "posix":
        # Become the command: a signal to this process (Ctrl-C, SIGTERM from docker stop or systemd) then
        # reaches the server itself, which stops what it started. A child would be orphaned, holding its port.
        os.chdir(ROOT)
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(command[0], command)
    return subprocess.run(command, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main())
