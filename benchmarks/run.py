"""Run the benchmarks one after another (``make bench``); not part of the test suite.

Each script prints its own measurements and exits non-zero when it misses its target; this runner
reports which did. The ensemble (minutes) runs only with ``--all``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK = ["bench_analyse.py", "bench_build.py", "bench_explorer.py"]


def main(argv: list[str]) -> int:
    scripts = QUICK + (["bench_ensemble.py"] if "--all" in argv else [])
    failed = []
    for name in scripts:
        print(f"== {name}", flush=True)
        if subprocess.run([sys.executable, str(HERE / name)], cwd=HERE.parent).returncode:
            failed.append(name)
    print("all benchmarks met their targets" if not failed else f"missed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
