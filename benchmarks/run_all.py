"""Run every benchmark in this folder (``make bench``).

Each ``bench_*.py`` module has a ``main()`` that prints its own table. Speed
figures are ratios against a baseline measured in the same run, because absolute
times on shared machines are noise. Pass module names to run a subset:
``python benchmarks/run_all.py bench_de``.
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    sys.path.insert(0, str(HERE))
    names = argv or sorted(p.stem for p in HERE.glob("bench_*.py"))
    failed = []
    for name in names:
        print(f"\n{'=' * 78}\n{name}\n{'=' * 78}", flush=True)
        started = time.perf_counter()
        try:
            importlib.import_module(name).main()
        except Exception:  # keep going: one broken bench should not hide the others
            traceback.print_exc()
            failed.append(name)
        print(f"[{name} took {time.perf_counter() - started:.0f} s]", flush=True)
    if failed:
        print(f"\nFailed benchmarks: {failed}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
