"""Command line: ``skvalence reproduce``.

Exit status: 0 done; 2 a problem the user can fix (a path, a permission, a full disk,
a bad option, value, cache or stored file, a held lock), said in one line on stderr;
1 an internal error (a bug), also one line, with the traceback under ``--debug``;
130 interrupted.
"""

from __future__ import annotations

import argparse
import errno
import pickle
import sys
import time
import zipfile

from ..utils import set_log_level
from .context import DATASETS, DEVICES, RunContext
from .errors import ReproduceError
from .profiles import PROFILES

EXIT_USAGE = 2
EXIT_INTERNAL = 1
EXIT_INTERRUPTED = 130

# Failures a user can cause and fix: their message is enough, no traceback.
_USER_ERRORS = (ReproduceError, OSError, ValueError, TypeError, EOFError, pickle.UnpicklingError,
                zipfile.BadZipFile)


def is_user_error(exc):
    """Whether ``exc`` is the user's to fix (exit status 2) rather than a bug (exit status 1).

    A missing optional package is the user's (install the extra); a broken import
    inside skvalence itself is a bug.
    """
    if isinstance(exc, ImportError):
        return not (exc.name or "").startswith("skvalence")
    return isinstance(exc, _USER_ERRORS)


def _parser():
    parser = argparse.ArgumentParser(prog="skvalence", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("reproduce", help="run the paper's programme and write a report")
    rep.add_argument("--dataset", choices=DATASETS, default="simulated",
                     help="EEG data: FACED or SEED-V, from --data-dir or, without it, simulated "
                          "(FACED-like or SEED-V-like cohort); 'simulated' is the FACED-like one (default)")
    rep.add_argument("--data-dir", default=None, help="root folder of FACED or SEED-V")
    rep.add_argument("--allow-incomplete", action="store_true",
                     help="run on a FACED/SEED-V copy that lacks some of the release's subjects "
                          "(default: a missing subject is an error); the manifest lists them")
    rep.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    rep.add_argument("--smoke", action="store_true",
                     help="the profile's code path and recipe at toy size (few subjects, one epoch, a handful "
                          "of strategies and members), to check a run works before the real one")
    rep.add_argument("--dry-run", action="store_true",
                     help="print the plan (steps, trainings, sizes, a time estimate from one timed batch) "
                          "and exit without training or writing anything")
    stim = rep.add_mutually_exclusive_group()
    stim.add_argument("--stimulus-texts", default=None, metavar="FILE",
                      help="JSON or CSV (stimulus,text): texts describing each clip; their V-axis "
                           "coordinates enable the within-class residual analyses on real data")
    stim.add_argument("--stimulus-ratings", default=None, metavar="FILE",
                      help="CSV (stimulus,valence): a valence rating per clip, for the residual analyses")
    rep.add_argument("--out", default="results/reproduce", help="output folder")
    rep.add_argument("--model", default=None,
                     help="language model path or cached hub id for the V-axis (default: bundled MiniLM)")
    rep.add_argument("--device", default="auto", help=f"one of {', '.join(DEVICES)} (default: auto)")
    rep.add_argument("--n-jobs", type=int, default=None, help="parallel workers for heavy steps")
    rep.add_argument("--scheduler", default=None, help="address of a dask.distributed scheduler")
    rep.add_argument("--benchmark-dir", default=None,
                     help="folder with zero-shot text benchmarks (SST-2, IMDB, Yelp, VADER corpora)")
    rep.add_argument("--steps", default=None, help="comma-separated subset of steps to run")
    rep.add_argument("--seed", type=int, default=0, help="random seed of the run")
    rep.add_argument("--force", action="store_true", help="recompute steps even when stored results match")
    rep.add_argument("--debug", action="store_true",
                     help="on an error, show the full Python traceback instead of a one-line message")
    talk = rep.add_mutually_exclusive_group()
    talk.add_argument("--quiet", action="store_true", help="warnings only: no progress bars or step messages")
    talk.add_argument("--verbose", action="store_true",
                      help="debug output: also per-epoch training tables and per-item details")
    return parser


def _step_names(text):
    names = [s.strip() for s in text.split(",") if s.strip()]
    if not names:
        raise ValueError(f"--steps {text!r} names no step")
    return names


def dry_run(context, steps):
    """Print the plan of ``steps`` under ``context``; train nothing, write nothing."""
    from .plan import build_plan, estimate, format_plan
    from .runner import validate_run
    from .steps._common import paper_split_data

    validate_run(context, steps)
    split = paper_split_data(context)
    plan = build_plan(context, steps)
    total = estimate(context, plan, split)
    print("\n".join(format_plan(context, plan, split, total)))


def reproduce(args):
    """Check every input, then run the selected steps (or print their plan) and say where the report is."""
    from .runner import run_steps
    from .steps import check_step_names, make_steps

    names = None if args.steps is None else _step_names(args.steps)
    if names is not None:
        check_step_names(names)  # before importing any step
    steps = make_steps(names)
    # RunContext checks paths, device, settings and stimulus files before it creates anything under --out.
    context = RunContext(args.out, profile=args.profile, dataset=args.dataset, data_dir=args.data_dir,
                         model=args.model, device=args.device, n_jobs=args.n_jobs,
                         scheduler=args.scheduler, benchmark_dir=args.benchmark_dir,
                         random_state=args.seed, verbose=None, allow_incomplete=args.allow_incomplete,
                         smoke=args.smoke, stimulus_texts=args.stimulus_texts,
                         stimulus_ratings=args.stimulus_ratings, create=not args.dry_run)
    if args.dry_run:
        dry_run(context, steps)
        return
    started = time.perf_counter()
    run_steps(context, steps, force=args.force)
    print(f"Report: {(context.out / 'report.html').resolve()}")
    print(f"Results: {(context.out / 'results.json').resolve()}  "
          f"({time.perf_counter() - started:.1f} s)")


def _one_line(text):
    return " ".join(str(text).split())


def _os_error_message(exc):
    """An OSError as its cause and the file it concerns (the destination of a rename)."""
    target = exc.filename2 if exc.filename2 is not None else exc.filename
    where = "" if target is None else f": {str(target)!r}"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return (f"disk full (no space left on device) while writing{where[1:]}; "
                "free some space and rerun: finished steps are kept")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"permission denied{where}"
    if exc.errno == errno.EROFS:
        return f"read-only file system{where}"
    if exc.strerror:
        return f"{exc.strerror[0].lower()}{exc.strerror[1:]}{where}"
    return str(exc)


def error_message(exc):
    """The one line printed for ``exc`` (without the ``skvalence: error:`` prefix)."""
    if isinstance(exc, OSError):
        message = _os_error_message(exc)
    elif isinstance(exc, (EOFError, pickle.UnpicklingError, zipfile.BadZipFile)):
        message = f"unreadable file ({type(exc).__name__}: {exc})"
    else:
        message = str(exc) or type(exc).__name__
    # The loaders speak to Python callers; on the command line the same switch is a flag.
    message = message.replace("Pass allow_incomplete=True", "Pass --allow-incomplete").replace(
        ", or subjects=[...] to choose which subjects to load", "")
    return _one_line(message)


def main(argv=None):
    """Entry point of the ``skvalence`` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    debug = getattr(args, "debug", False)
    # The level is set once here; everything below runs with verbose=None and follows it.
    level = "WARNING" if getattr(args, "quiet", False) else "DEBUG" if getattr(args, "verbose", False) else "INFO"
    old_level = set_log_level(level, return_old_level=True)
    try:
        if args.command == "reproduce":
            reproduce(args)
    except KeyboardInterrupt:
        if debug:
            raise
        print("skvalence: interrupted; steps that finished are kept", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if debug:
            raise
        if is_user_error(exc):
            # TypeError is how input validation refuses a wrong type, but is also what many bugs
            # raise: its line says how to see where it came from.
            hint = " (run with --debug for the traceback)" if isinstance(exc, TypeError) else ""
            print(f"skvalence: error: {error_message(exc)}{hint}", file=sys.stderr)
            return EXIT_USAGE
        # A bug, not the user's doing: still one line, and how to see more.
        print(f"skvalence: internal error: {type(exc).__name__}: {error_message(exc)} "
              "(run with --debug for the traceback)", file=sys.stderr)
        return EXIT_INTERNAL
    finally:  # main() may be called in-process (tests, notebooks): leave the level as found
        set_log_level(old_level)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
