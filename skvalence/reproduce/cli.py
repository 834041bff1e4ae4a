"""Command line: ``skvalence reproduce``."""

from __future__ import annotations

import argparse
import sys
import time

from ..utils import set_log_level
from .context import DATASETS, RunContext
from .profiles import PROFILES


def _parser():
    parser = argparse.ArgumentParser(prog="skvalence", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("reproduce", help="run the paper's programme and write a report")
    rep.add_argument("--dataset", choices=DATASETS, default="simulated",
                     help="EEG data: the embedded simulated cohort (default), FACED or SEED-V on disk")
    rep.add_argument("--data-dir", default=None, help="root folder of FACED or SEED-V")
    rep.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    rep.add_argument("--out", default="results/reproduce", help="output folder")
    rep.add_argument("--model", default=None,
                     help="language model path or cached hub id for the V-axis (default: bundled MiniLM)")
    rep.add_argument("--device", default="auto", help="auto, cpu or cuda")
    rep.add_argument("--n-jobs", type=int, default=None, help="parallel workers for heavy steps")
    rep.add_argument("--scheduler", default=None, help="address of a dask.distributed scheduler")
    rep.add_argument("--benchmark-dir", default=None,
                     help="folder with zero-shot text benchmarks (SST-2, IMDB, Yelp, VADER corpora)")
    rep.add_argument("--steps", default=None, help="comma-separated subset of steps to run")
    rep.add_argument("--seed", type=int, default=0, help="random seed of the run")
    rep.add_argument("--force", action="store_true", help="recompute steps even when stored results match")
    talk = rep.add_mutually_exclusive_group()
    talk.add_argument("--quiet", action="store_true", help="warnings only: no progress bars or step messages")
    talk.add_argument("--verbose", action="store_true",
                      help="debug output: also per-epoch training tables and per-item details")
    return parser


def reproduce(args):
    """Run the selected steps and print where the report is."""
    from .runner import run_steps
    from .steps import make_steps

    steps = make_steps(None if args.steps is None else [s.strip() for s in args.steps.split(",")])
    context = RunContext(args.out, profile=args.profile, dataset=args.dataset, data_dir=args.data_dir,
                         model=args.model, device=args.device, n_jobs=args.n_jobs,
                         scheduler=args.scheduler, benchmark_dir=args.benchmark_dir,
                         random_state=args.seed, verbose=None)
    started = time.perf_counter()
    run_steps(context, steps, force=args.force)
    print(f"Report: {(context.out / 'report.html').resolve()}")
    print(f"Results: {(context.out / 'results.json').resolve()}  "
          f"({time.perf_counter() - started:.1f} s)")


def main(argv=None):
    """Entry point of the ``skvalence`` console script."""
    args = _parser().parse_args(argv)
    # The level is set once here; everything below runs with verbose=None and follows it.
    level = "WARNING" if getattr(args, "quiet", False) else "DEBUG" if getattr(args, "verbose", False) else "INFO"
    old_level = set_log_level(level, return_old_level=True)
    try:
        if args.command == "reproduce":
            reproduce(args)
    except (ValueError, TypeError, FileNotFoundError) as exc:
        print(f"skvalence: error: {exc}", file=sys.stderr)
        return 2
    finally:  # main() may be called in-process (tests, notebooks): leave the level as found
        set_log_level(old_level)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
