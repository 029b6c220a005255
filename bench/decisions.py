"""Benchmark of the ranked decision methods on one million ballots over ten options.

Run ``python bench/decisions.py`` (``make bench``). The profile is drawn from the impartial
culture (every strict ranking equally likely), the hardest case for the library's compression to
unique ballots: about 870,000 of the million rankings are distinct. The ballots are given as an
integer rank array (:class:`voting.methods.RankedProfile`) and each method is timed through the
full ``tally`` (validation, merging, canonical SHA-256, count, explanation): median wall time of
``--repeats`` runs. Each must stay under ``--budget`` seconds; the exit status is 1 otherwise.

When pref_voting (the optional ``bench`` dependency, pinned in pyproject.toml, which also
imports numba and nashpy) can be imported, its version is printed and the same profile is built as a pref_voting ``Profile`` from the unique rankings with
their counts, and the equivalent functions run once each in the same process, after a warm-up on
a tiny profile that compiles pref_voting's numba kernels. pref_voting computes the margins while
building its ``Profile``, so the ratio compares like with like: pref_voting's profile build plus
its method, over our ``tally``. Both times and whether the winner sets agree are printed.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voting.methods import RankedProfile, Result, tally

METHODS = ("schulze", "ranked_pairs", "instant_runoff", "borda")
# pref_voting's functions for the same rules: ranked pairs and instant runoff with
# parallel-universe tie-breaking, like ours; Schulze as beat path (Floyd-Warshall by default
# since pref_voting 1.x, which dropped ``beat_path_Floyd_Warshall``).
PREF_VOTING = {
    "schulze": ("margin_based_methods", "beat_path"),
    "ranked_pairs": ("margin_based_methods", "ranked_pairs"),
    "instant_runoff": ("iterative_methods", "instant_runoff_put"),
    "borda": ("scoring_methods", "borda"),
}


def impartial_culture(ballots: int, options: int, seed: int) -> np.ndarray:
    """``ranks[b, j]``: the rank (1 = top) ballot ``b`` gives option ``j``; uniform rankings."""
    rng = np.random.default_rng(seed)
    order = np.argsort(rng.random((ballots, options)), axis=1)
    ranks = np.empty_like(order, dtype=np.int8)
    np.put_along_axis(ranks, order, np.arange(1, options + 1, dtype=np.int8)[None, :], axis=1)
    return ranks


def median_seconds(run: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times = []
    value = None
    for _ in range(repeats):
        start = time.perf_counter()
        value = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def load_pref_voting() -> dict[str, Any] | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            profiles = importlib.import_module("pref_voting.profiles")
            functions = {
                method: getattr(importlib.import_module(f"pref_voting.{module}"), name)
                for method, (module, name) in PREF_VOTING.items()
            }
    except ImportError as error:
        print(f"pref_voting unavailable ({error}); no ratio printed.")
        return None
    print(f"pref_voting {importlib.metadata.version('pref_voting')}")
    return {"Profile": profiles.Profile, **functions}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--options", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--budget", type=float, default=2.0)
    args = parser.parse_args(argv)

    ranks = impartial_culture(args.ballots, args.options, args.seed)
    candidates = [f"option {j}" for j in range(args.options)]
    profile = RankedProfile(ranks)
    print(f"{args.ballots:,} ranked ballots over {args.options} options (impartial culture)")

    pref = load_pref_voting()
    pv_profile = None
    build = 0.0
    if pref is not None:
        unique, counts = np.unique(ranks, axis=0, return_counts=True)
        rankings = np.argsort(unique, axis=1).tolist()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tiny = pref["Profile"]([list(range(args.options))] * 3)
            for method in METHODS:
                pref[method](tiny)
            start = time.perf_counter()
            pv_profile = pref["Profile"](rankings, rcounts=counts.tolist())
            build = time.perf_counter() - start
        print(f"pref_voting Profile of {len(rankings):,} unique rankings built in {build:.1f} s")

    header = f"{'method':<16}{'ours (s)':>10}"
    if pv_profile is not None:
        anchor = f"pref_voting {importlib.metadata.version('pref_voting')} (s)"
        header += f"{anchor:>24}{'+ profile (s)':>15}{'ratio':>8}  same winners"
    print(header)
    over_budget = []
    disagree = []
    for method in METHODS:
        ours, result = median_seconds(lambda m=method: tally(m, candidates, profile), args.repeats)
        assert isinstance(result, Result)
        if ours >= args.budget:
            over_budget.append(method)
        line = f"{method:<16}{ours:>10.3f}"
        if pref is not None and pv_profile is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                theirs, winners = median_seconds(lambda f=pref[method]: f(pv_profile), 1)
            same = sorted(candidates[w] for w in winners) == sorted(result.winners)
            if not same:
                disagree.append(method)
            line += f"{theirs:>24.3f}{build + theirs:>15.3f}{(build + theirs) / ours:>8.1f}  {same}"
        print(line)
    if over_budget:
        print(f"target missed: over the {args.budget} s budget: {', '.join(over_budget)}")
    if disagree:
        print(f"target missed: other winners than pref_voting: {', '.join(disagree)}")
    return 1 if over_budget or disagree else 0


if __name__ == "__main__":
    sys.exit(main())
