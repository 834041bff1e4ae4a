"""Benchmark data that can be fetched with ordinary package tooling.

The VADER sentiment package (Hutto & Gilbert, ICWSM 2014) ships, in its source
distribution on PyPI, the archive ``additional_resources/hutto_ICWSM_2014.tar.gz``
with four human-rated sentence corpora. Its ``movieReviewSnippets_GroundTruth.txt``
(10,605 Rotten Tomatoes sentences, each the mean of ~20 ratings on -4..+4) stands
in for SST-2, which cannot be downloaded here.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VADER_SPEC = "vaderSentiment==3.3.2"
_INNER = "additional_resources/hutto_ICWSM_2014.tar.gz"
_CORPUS_DIR = "hutto_ICWSM_2014"
_MARKER = "movieReviewSnippets_GroundTruth.txt"


def _extract_members(archive, dest, keep):
    """Extract the regular files of ``archive`` whose names satisfy ``keep``."""
    for member in archive.getmembers():
        if member.isfile() and keep(member.name):
            # The "data" filter refuses absolute paths, links and '..' escapes.
            archive.extract(member, dest, filter="data")


def fetch_vader_corpus(dest=None, *, verbose=True):
    """Download and unpack VADER's ICWSM-2014 rated corpora (cached).

    Parameters
    ----------
    dest : str or path-like, default=None
        Folder to unpack into; ``None`` is ``benchmarks/_data`` next to this
        file. If it already holds the corpora nothing is downloaded.
    verbose : bool, default=True
        Print why the data is unavailable, when it is.

    Returns
    -------
    path : pathlib.Path or None
        The ``hutto_ICWSM_2014`` folder (``*_GroundTruth.txt`` files and
        ``vader_sentiment_lexicon.txt``), or ``None`` when neither a cached
        copy nor PyPI is available.

    Examples
    --------
    >>> from benchmarks._data import fetch_vader_corpus
    >>> path = fetch_vader_corpus()  # doctest: +SKIP
    >>> sorted(p.name for p in path.glob("*_GroundTruth.txt"))[:1]  # doctest: +SKIP
    ['amazonReviewSnippets_GroundTruth.txt']
    """
    dest = Path(__file__).with_name("_data") if dest is None else Path(dest)
    corpus = dest / _CORPUS_DIR
    if (corpus / _MARKER).is_file():
        return corpus
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-binary", ":all:",
               "--no-deps", "--no-build-isolation", "--quiet", VADER_SPEC, "-d", tmp]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return _unavailable(f"pip download failed: {exc}", verbose)
        sdists = list(Path(tmp).glob("vaderSentiment-*.tar.gz"))
        if done.returncode != 0 or not sdists:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            return _unavailable(f"pip download {VADER_SPEC} failed: {tail[0]}", verbose)
        try:
            with tarfile.open(sdists[0]) as sdist:
                inner = next((m for m in sdist.getmembers()
                              if m.isfile() and m.name.endswith(_INNER)), None)
                if inner is None:
                    return _unavailable(f"{sdists[0].name} lacks {_INNER}", verbose)
                payload = sdist.extractfile(inner).read()
            dest.mkdir(parents=True, exist_ok=True)
            with tarfile.open(fileobj=io.BytesIO(payload)) as archive:
                _extract_members(archive, dest, lambda n: n.endswith(".txt"))
        except (tarfile.TarError, OSError) as exc:
            return _unavailable(f"cannot unpack the VADER archive: {exc}", verbose)
    if not (corpus / _MARKER).is_file():
        return _unavailable(f"{_MARKER} missing after unpacking", verbose)
    return corpus


def _unavailable(reason, verbose):
    if verbose:
        print(f"VADER corpus unavailable: {reason}")
    return None


def main():
    """Fetch the VADER corpora into ``benchmarks/_data``; say what is missing otherwise.

    Never fails: ``make demo`` runs it first and carries on without the data (the
    report's V-axis section then says what is missing and how to add it).
    """
    corpus = fetch_vader_corpus()
    if corpus is None:
        print("zero-shot data not fetched; the demo report will say how to add it "
              "(python benchmarks/_data.py where PyPI is reachable, or --benchmark-dir)")
    else:
        print(f"VADER human-rated corpora ready in {corpus}")


if __name__ == "__main__":
    main()
