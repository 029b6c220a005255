"""Benchmarks of decisions: the ranked methods on one million ballots over ten options (the
library), then the app path on 100,000 ballots stored in the database.

Run ``python bench/decisions.py`` (``make bench``; ``--part library`` or ``--part app`` for one
of them). Each part prints its figures with ``ok`` or ``MISSED`` and the exit status is 1 when any
target is missed.

**Library.** The profile is drawn from the impartial
culture (every strict ranking equally likely), the hardest case for the library's compression to
unique ballots: about 870,000 of the million rankings are distinct. The ballots are given as an
integer rank array (:class:`voting.methods.RankedProfile`) and each method is timed through the
full ``tally`` (validation, merging, canonical SHA-256, count, explanation): median wall and CPU
time of ``--repeats`` runs. Each must stay under ``--budget`` seconds of CPU time (on a machine
shared with other work the wall time also counts the waits for a core); the exit status is 1
otherwise.

When pref_voting (the optional ``bench`` dependency, pinned in pyproject.toml, which also
imports numba and nashpy) can be imported, its version is printed and the same profile is built as a pref_voting ``Profile`` from the unique rankings with
their counts, and the equivalent functions run once each in the same process, after a warm-up on
a tiny profile that compiles pref_voting's numba kernels. pref_voting computes the margins while
building its ``Profile``, so the ratio compares like with like: pref_voting's profile build plus
its method, over our ``tally``. Both times and whether the winner sets agree are printed.

**App.** One deciding round with three territories, ``--app-ballots`` participants (100,000)
and an open Schulze decision over ten options, each participant's ranked ballot stored (impartial
culture, one in four truncated after three options), loaded with the shared bulk loader. The
database is the PostgreSQL database named by ``PALABRE_BENCH_DATABASE_URL`` (the benchmark owns
it: it replaces its ``public`` schema and drops everything at the end), else a SQLite file in a
temporary directory. Measured in-process: the ballot POST (Flask's test client, participants
drawn at random replacing their ballot; target p50 <= 20 ms), then closing the decision as the
facilitator's request does (sealing: reading every ballot, the canonical document, erasing the
links) and counting it as the worker does (the tally with its explanation and the published
ballots); target: sealing plus counting under 3 s.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import importlib.metadata
import os
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.participate import act_as, make_app, reset_postgres, session_key, timed
from deliberation.db import make_engine
from deliberation.decisions.counting import store_tally
from deliberation.decisions.service import close_decision
from deliberation.demo import bulk
from deliberation.models import (
    Decision,
    DecisionBallot,
    DecisionOption,
    Invite,
    Participant,
    Round,
    RoundTerritory,
    Territory,
)
from deliberation.services.participation import NOTICE_VERSION
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


def median_seconds(run: Callable[[], Any], repeats: int) -> tuple[float, float, Any]:
    """Median wall and CPU seconds (of this process) of ``repeats`` runs, and the last value."""
    times = []
    cpus = []
    value = None
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        value = run()
        times.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(times), statistics.median(cpus), value


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


def library(args: argparse.Namespace) -> bool:
    """The ranked methods through ``tally`` on ``args.ballots`` ballots; True when every
    method stays under the budget."""
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

    header = f"{'method':<16}{'ours (s)':>10}{'CPU (s)':>10}"
    if pv_profile is not None:
        anchor = f"pref_voting {importlib.metadata.version('pref_voting')} (s)"
        header += f"{anchor:>24}{'+ profile (s)':>15}{'ratio':>8}  same winners"
    print(header)
    over_budget = []
    disagree = []
    for method in METHODS:
        ours, cpu, result = median_seconds(
            lambda m=method: tally(m, candidates, profile), args.repeats
        )
        assert isinstance(result, Result)
        if cpu >= args.budget:
            over_budget.append(method)
        line = f"{method:<16}{ours:>10.3f}{cpu:>10.3f}"
        if pref is not None and pv_profile is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                theirs, _, winners = median_seconds(lambda f=pref[method]: f(pv_profile), 1)
            same = sorted(candidates[w] for w in winners) == sorted(result.winners)
            if not same:
                disagree.append(method)
            line += f"{theirs:>24.3f}{build + theirs:>15.3f}{(build + theirs) / ours:>8.1f}  {same}"
        print(line)
    if over_budget:
        print(f"MISSED: over the {args.budget} s CPU budget: {', '.join(over_budget)}")
    if disagree:
        print(f"MISSED: other winners than pref_voting: {', '.join(disagree)}")
    if over_budget or disagree:
        return False
    print(f"ok: every method under the {args.budget} s CPU budget, with pref_voting's winners")
    return True


SLUG = "bench"
LABELS = "ABCDEFGHIJ"
TERRITORIES = 3
NOW = datetime.now(UTC).replace(microsecond=0)
STAMP = NOW - timedelta(hours=1)
POST_TARGET_MS = 20.0
CLOSE_TARGET_S = 3.0


def app_rows(ranks: np.ndarray) -> Iterator[tuple[type[Any], list[dict[str, Any]]]]:
    """The deciding round, its territories, participants and open decision, and one stored
    ballot per participant (``ranks[b, j]``: rank of option ``j`` on ballot ``b``, 0 unranked)."""
    participants, options = ranks.shape
    territories = range(1, TERRITORIES + 1)
    yield (
        Territory,
        [
            {"id": t, "slug": f"t{t}", "kind": "municipality", "names": {}, "created_at": STAMP}
            for t in territories
        ],
    )
    round_row = {
        "id": 1,
        "slug": SLUG,
        "title": {"en": "Benchmark round"},
        "question": {"en": "What should we do?"},
        "framing": {"en": "A large decision."},
        "languages": ["en"],
        "opens_at": NOW - timedelta(days=10),
        "closes_at": NOW + timedelta(days=10),
        "phase": "deciding",
        "moderation_mode": "post",
        "time_zone": "UTC",
        "privacy_k": 5,
        "created_at": STAMP,
    }
    yield Round, [round_row]
    yield RoundTerritory, [{"round_id": 1, "territory_id": t} for t in territories]
    yield (
        Invite,
        [
            {
                "id": t,
                "round_id": 1,
                "territory_id": t,
                "key": f"key{t}",
                "label": "",
                "single_use": False,
                "uses": 0,
                "created_at": STAMP,
            }
            for t in territories
        ],
    )
    yield (
        Participant,
        [
            {
                "id": i + 1,
                "round_id": 1,
                "territory_id": i % TERRITORIES + 1,
                "invite_id": i % TERRITORIES + 1,
                "language": "en",
                "session_key_hash": hashlib.sha256(session_key(i + 1).encode()).hexdigest(),
                "notice_version": NOTICE_VERSION,
                "created_at": STAMP,
            }
            for i in range(participants)
        ],
    )
    seed_hex = "ab" * 32
    yield (
        Decision,
        [
            {
                "id": 1,
                "round_id": 1,
                "title": "Which project first?",
                "method": "schulze",
                "settings": {"strength": "margin", "weighting": "equal_territory"},
                "eligibility": "joined",
                "live_results": False,
                "receipts": False,
                "status": "open",
                "opened_at": STAMP,
                "seed_hex": seed_hex,
                "seed_sha256": hashlib.sha256(seed_hex.encode()).hexdigest(),
                "created_at": STAMP,
            }
        ],
    )
    yield (
        DecisionOption,
        [
            {"id": j + 1, "decision_id": 1, "label": LABELS[j], "title": f"Project {j}", "text": ""}
            for j in range(options)
        ],
    )
    yield DecisionBallot, list(ballot_rows(ranks))


def ballot_rows(ranks: np.ndarray) -> Iterator[dict[str, Any]]:
    for i, row in enumerate(ranks.tolist()):
        depth = max(row)
        ranking = [[LABELS[j] for j, r in enumerate(row) if r == d] for d in range(1, depth + 1)]
        yield {
            "id": i + 1,
            "decision_id": 1,
            "participant_id": i + 1,
            "territory_id": i % TERRITORIES + 1,
            "choice": {"ranking": ranking},
            "cast_at": STAMP,
        }


def build_app_world(engine: Engine, ranks: np.ndarray) -> None:
    """Create the schema (replacing PostgreSQL's ``public`` schema) and load the round."""
    postgres = engine.dialect.name == "postgresql"
    if postgres:
        reset_postgres(engine)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        for model, rows in app_rows(ranks):
            bulk.insert_rows(session, model, rows)
        if postgres:
            for name in (
                *("territory", "round", "invite", "participant"),
                *("decision", "decision_option", "decision_ballot"),
            ):
                session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f'(SELECT MAX(id) + 1 FROM "{name}"), false)'
                    )
                )
        session.commit()
    if postgres:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))


def app_path(args: argparse.Namespace) -> bool:
    """The ballot POST and the close of a decision with ``args.app_ballots`` stored ballots;
    True when both targets are met."""
    rng = np.random.default_rng(args.seed)
    ranks = impartial_culture(args.app_ballots, args.options, args.seed)
    truncated = rng.random(args.app_ballots) < 0.25
    ranks[truncated] = np.where(ranks[truncated] > 3, 0, ranks[truncated])
    with tempfile.TemporaryDirectory(prefix="palabre-bench-") as folder:
        url = os.environ.get("PALABRE_BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
        print(
            f"app: {args.app_ballots:,} ranked ballots over {args.options} options stored in "
            f"{url.split(':', 1)[0]}"
        )
        if not url.startswith("postgresql"):
            print("(set PALABRE_BENCH_DATABASE_URL to a PostgreSQL database for the target)")
        engine = make_engine(url)
        start = time.perf_counter()
        build_app_world(engine, ranks)
        print(f"load {time.perf_counter() - start:.1f} s")
        app = make_app(url, Path(folder) / "instance")
        try:
            posted = post_ballots(app, rng, args)
            sealed, counted = close_and_count(engine)
        finally:
            app.extensions["palabre.engine"].dispose()
            if url.startswith("postgresql"):
                reset_postgres(engine)
            engine.dispose()
    print("load average (1, 5, 15 min): {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    p50, p90, p99 = (float(np.percentile(posted, q)) for q in (50, 90, 99))
    post_ok = p50 <= POST_TARGET_MS
    print(
        f"ballot POST n={len(posted)}  p50 {p50:.1f} ms  p90 {p90:.1f} ms  p99 {p99:.1f} ms  "
        f"{'ok' if post_ok else 'MISSED'} (target p50 <= {POST_TARGET_MS:.0f} ms)"
    )
    close_ok = sealed + counted < CLOSE_TARGET_S
    print(
        f"close: sealing {sealed:.2f} s + counting {counted:.2f} s = {sealed + counted:.2f} s  "
        f"{'ok' if close_ok else 'MISSED'} (target < {CLOSE_TARGET_S:.0f} s)"
    )
    return post_ok and close_ok


def post_ballots(app: Any, rng: np.random.Generator, args: argparse.Namespace) -> list[float]:
    """Random participants replace their ballot with a new ranking: milliseconds per POST."""
    client = app.test_client()
    timings = []
    for iteration in range(args.warmup + args.requests):
        act_as(client, int(rng.integers(1, args.app_ballots + 1)))
        order = rng.permutation(args.options)
        form = {f"rank_{LABELS[j]}": str(depth) for depth, j in enumerate(order[:4], start=1)}
        elapsed, answer = timed(lambda form=form: client.post(f"/r/{SLUG}/decisions/1", data=form))
        if answer.status_code != 303:
            raise RuntimeError(f"unexpected ballot answer: {answer.status_code}")
        if iteration >= args.warmup:
            timings.append(elapsed)
    return timings


def close_and_count(engine: Engine) -> tuple[float, float]:
    """Close the decision (seal, commit), then count it (store the tally, commit): seconds
    of each."""
    with Session(engine) as session:
        start = time.perf_counter()
        decision = session.get(Decision, 1)
        round_ = session.get(Round, 1)
        assert decision is not None
        assert round_ is not None
        close_decision(session, decision=decision, round_=round_, now=datetime.now(UTC))
        session.commit()
        sealed = time.perf_counter() - start
    with Session(engine) as session:
        start = time.perf_counter()
        decision = session.get(Decision, 1)
        assert decision is not None
        stored = store_tally(session, decision)
        session.commit()
        counted = time.perf_counter() - start
        print(
            f"winner {stored.result['winner']}, ballots SHA-256 {stored.result['ballots_sha256']}"
        )
    return sealed, counted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("all", "library", "app"), default="all")
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--options", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--budget", type=float, default=2.0)
    parser.add_argument("--app-ballots", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args(argv)
    met = True
    if args.part in {"all", "library"}:
        met &= library(args)
    if args.part in {"all", "app"}:
        met &= app_path(args)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
