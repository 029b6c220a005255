"""Benchmark of the opinion engine (``voting/opinions``), with red-dwarf beside it.

Run from anywhere: ``python bench/opinions.py`` (``make bench``). It times

* every Pol.is conversation in ``../shared/data/polis`` (relative to the repository root, or
  to the folder holding it when it is a worktree),
  skipped with a message when that folder is absent;
* synthetic rounds with planted opinion groups: 100,000 x 10,000 with 10 million votes (Pol.is'
  caps), first and in a child process so that its peak memory is its own; and 33,422
  participants x 783 statements with 1.7 million votes (the largest Pol.is production
  conversation). Both are timed cold and as a warm update (state computed with 1% of the votes
  held back, then all votes).

Figures are medians over ``--repeat`` runs, wall time with the CPU time of the process beside it
(on a shared machine the wall time also counts waits for a core). Palabre runs with one BLAS
thread when threadpoolctl is installed (``one_blas_thread``). Pipeline times exclude file
parsing on both sides. red-dwarf (``pip install red-dwarf``, the ``bench`` extra) runs on the
same votes up to the 33k round (it builds a dense matrix) and the ratio red-dwarf / Palabre is
printed, with red-dwarf's version.

The live map: every Pol.is conversation is replayed in ``--updates`` live updates from 30% to
100% of its votes through the worker's own function (``deliberation/opinions/snapshots.py``
``live_update``: the previous state read back from its stored bytes, the default parameters,
seed 0). After every update past half of the votes the live groups are compared with a fresh
computation on the same votes (adjusted Rand index over the participants both cluster), and
the final live and fresh groups with Pol.is' own. On the 33k round a series of live updates
(each adding 0.5% of the votes) is timed: like the worker's, each extends the vote matrix of the
one before (``MatrixMemo``), where the warm update above builds it from every vote. The exit
status is 1 when a target is missed (``LIVE_TARGETS``): live within 0.05 of fresh after every
update past half of the votes, within 0.02 at the end, and a live update at 33k participants at
most 0.15 s on average. That time is
the CPU time of this process (one BLAS thread): on this shared machine the wall time mostly
counts waits for a core, so both are printed with the load average.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from deliberation.demo.synthetic import (  # noqa: E402
    cast_votes,
    draw_cells,
    planted_agreement,
)
from deliberation.opinions.snapshots import live_update, one_blas_thread  # noqa: E402
from voting.opinions import (  # noqa: E402
    Conversation,
    OpinionResult,
    OpinionState,
    Parameters,
    Votes,
    adjusted_rand_index,
    compute,
    read_polis_export,
)

# The shared data beside the repository (or beside the folder of worktrees holding it).
DATA = next(
    (
        folder / "shared" / "data" / "polis"
        for folder in (REPO.parent, REPO.parent.parent)
        if (folder / "shared" / "data" / "polis").is_dir()
    ),
    REPO.parent / "shared" / "data" / "polis",
)
ROUNDS = {"33k": (33_422, 783, 1_700_000), "100k": (100_000, 10_000, 10_000_000)}
# Live map targets: worst ARI live vs fresh past half of the votes, ARI at the end, and the mean
# CPU seconds of a live update of the 33k round.
LIVE_TARGETS = {"past_half": 0.95, "final": 0.98, "update_33k": 0.15}


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def planted_round(n_participants: int, n_statements: int, n_votes: int, seed: int = 0) -> Votes:
    """A time-ordered synthetic round with three planted opinion groups (``synthetic``).

    Participants join and statements appear over time; activity is heavy tailed and early
    statements are seen more; every group agrees with a statement with probability 0.15, 0.5
    or 0.85; 10% of votes are passes. A cell may be voted twice (the last vote counts).
    """
    rng = np.random.default_rng(seed)
    agree = planted_agreement(rng, 3, n_statements, (0.15, 0.5, 0.85))
    participant, statement = draw_cells(
        rng,
        participants=n_participants,
        statements=n_statements,
        votes=n_votes,
        activity=rng.pareto(1.5, n_participants) + 1.0,
        popularity=1.0 / np.sqrt(1.0 + np.arange(n_statements)),
    )
    joined = rng.random(n_participants)
    created = np.sort(rng.random(n_statements)) * 0.9
    when = np.maximum(joined[participant], created[statement]) + rng.exponential(0.01, n_votes)
    order = np.argsort(when)
    del when
    participant, statement = participant[order], statement[order]
    group = np.arange(n_participants) % 3
    value = cast_votes(rng, agree[group[participant], statement], passes=0.1)
    return Votes(participant, statement, value)


def prefix(votes: Votes, fraction: float) -> Votes:
    n = int(votes.participant.size * fraction)
    return Votes(votes.participant[:n], votes.statement[:n], votes.value[:n])


class Timing:
    """Median wall seconds, median CPU seconds of this process, median seconds per stage."""

    def __init__(self, wall: list[float], cpu: list[float], stages: dict[str, list[float]]):
        self.wall = statistics.median(wall)
        self.cpu = statistics.median(cpu)
        self.stages = {name: statistics.median(s) for name, s in stages.items()}

    def __str__(self) -> str:
        return f"{self.wall:.3f} s (CPU {self.cpu:.3f} s)"


def median_run(
    run: Callable[[], tuple[OpinionResult, OpinionState]], repeat: int
) -> tuple[Timing, OpinionResult]:
    """Timing of ``repeat`` runs (one BLAS thread) and the last result. CPU time shows the cost
    on a machine shared with other work, where wall time also counts the waits for a core."""
    with one_blas_thread():
        return _median_run(run, repeat)


def _median_run(
    run: Callable[[], tuple[OpinionResult, OpinionState]], repeat: int
) -> tuple[Timing, OpinionResult]:
    walls: list[float] = []
    cpus: list[float] = []
    stages: dict[str, list[float]] = {}
    result = None
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        result, _ = run()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
        for name, seconds in result.timings.items():
            stages.setdefault(name, []).append(seconds)
    assert result is not None
    return Timing(walls, cpus, stages), result


def format_stages(stages: dict[str, float]) -> str:
    return " ".join(f"{name}={seconds:.3f}" for name, seconds in stages.items())


def reddwarf_votes(conversation: Conversation) -> list[dict[str, int]]:
    """The final vote of every cell as red-dwarf wants it (duplicates removed beforehand)."""
    votes = conversation.votes
    last: dict[tuple[int, int], tuple[int, int]] = {}
    for i, (p, s, v) in enumerate(
        zip(votes.participant.tolist(), votes.statement.tolist(), votes.value.tolist(), strict=True)
    ):
        last[(p, s)] = (v, i)
    return [
        {"participant_id": p, "statement_id": s, "vote": v, "modified": i}
        for (p, s), (v, i) in last.items()
    ]


def run_reddwarf(
    conversation: Conversation, repeat: int
) -> tuple[float, float, dict[int, int]] | None:
    """Median wall and CPU seconds of red-dwarf's ``run_pipeline`` and its groups, or None if
    red-dwarf is not installed."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from reddwarf.implementations.base import run_pipeline  # noqa: PLC0415
    except ImportError:
        return None
    votes = reddwarf_votes(conversation)
    times = []
    cpus = []
    groups: dict[int, int] = {}
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        result = run_pipeline(
            votes=votes,
            mod_out_statement_ids=sorted(conversation.rejected | conversation.meta),
            meta_statement_ids=sorted(conversation.meta),
            random_state=0,
        )
        times.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
        labels = result.participants_df["cluster_id"].dropna()
        groups = {int(p): int(g) for p, g in labels.items()}
    return statistics.median(times), statistics.median(cpus), groups


def reddwarf_version() -> str:
    try:
        return version("red-dwarf")
    except PackageNotFoundError:
        return "(version unknown)"


def agreement(reference: dict[int, int], ours: dict[int, int]) -> float:
    common = sorted(set(reference) & set(ours))
    if not common:
        return float("nan")
    return adjusted_rand_index(
        np.array([ours[p] for p in common]), np.array([reference[p] for p in common])
    )


def our_groups(result: OpinionResult) -> dict[int, int]:
    return {
        int(p): int(g) for p, g in zip(result.participant_ids, result.group, strict=True) if g >= 0
    }


def print_reddwarf(
    conversation: Conversation, repeat: int, ours: Timing, polis: dict[int, int]
) -> None:
    reddwarf = run_reddwarf(conversation, repeat)
    if reddwarf is None:
        print("    red-dwarf not installed (pip install red-dwarf), skipped")
        return
    wall, cpu, groups = reddwarf
    agreement_text = ""
    if polis:
        agreement_text = f", red-dwarf ARI vs Pol.is {agreement(polis, groups):.3f}"
    print(
        f"    red-dwarf {reddwarf_version()} {wall:.3f} s (CPU {cpu:.3f} s): "
        f"{wall / ours.wall:.1f}x slower "
        f"(CPU {cpu / ours.cpu:.1f}x){agreement_text}"
    )


def load_average() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def votes_prefix(conversation: Conversation, n: int) -> Conversation:
    """The conversation as it stood after its first ``n`` vote events."""
    v = conversation.votes
    return replace(
        conversation,
        votes=Votes(v.participant[:n], v.statement[:n], v.value[:n], v.in_time_order),
    )


class Replay:
    """A conversation replayed in live updates from 30% to 100% of its votes.

    Attributes:
        live: the last live result; fresh: a fresh computation on all votes.
        past_half: ARI live vs fresh after every update past half of the votes.
        cpu: mean CPU seconds of a live update.
    """

    def __init__(self, conversation: Conversation, updates: int) -> None:
        total = conversation.votes.value.size
        stored = None
        self.past_half: list[float] = []
        cpu = 0.0
        for i in range(updates + 1):
            n = round(total * (0.3 + 0.7 * i / updates))
            now = votes_prefix(conversation, n)
            start = time.process_time()
            self.live, stored = live_update(now, stored, params=Parameters(), seed=0)
            cpu += time.process_time() - start
            if 2 * n > total:
                self.fresh, _ = compute(now)
                self.past_half.append(agreement(our_groups(self.fresh), our_groups(self.live)))
        self.cpu = cpu / (updates + 1)


def live_misses(name: str, replay: Replay) -> list[str]:
    """The live map targets ``replay`` misses, as messages."""
    misses = []
    if min(replay.past_half) < LIVE_TARGETS["past_half"]:
        misses.append(f"{name}: live vs fresh {min(replay.past_half):.3f} past half of the votes")
    if replay.past_half[-1] < LIVE_TARGETS["final"]:
        misses.append(f"{name}: live vs fresh {replay.past_half[-1]:.3f} at the end")
    return misses


def bench_live(updates: int) -> list[str]:
    """Replay every Pol.is conversation in ``updates`` live updates; the targets missed."""
    if not DATA.is_dir():
        print(f"live map: {DATA} not found, skipped")
        return []
    print(
        f"live map: {updates} live updates from 30% to 100% of the votes ({load_average()}); "
        f"targets: live vs fresh >= {LIVE_TARGETS['past_half']} after every update past half "
        f"of the votes, >= {LIVE_TARGETS['final']} at the end"
    )
    misses = []
    for folder in sorted(p for p in DATA.iterdir() if p.is_dir()):
        export = read_polis_export(folder)
        replay = Replay(export.conversation, updates)
        polis = dict(export.polis_groups)
        print(
            f"  {folder.name}: live vs fresh min {min(replay.past_half):.3f}, at the end "
            f"{replay.past_half[-1]:.3f}; vs Pol.is: live {agreement(polis, our_groups(replay.live)):.3f}, "
            f"fresh {agreement(polis, our_groups(replay.fresh)):.3f}; "
            f"live update {replay.cpu:.3f} s CPU on average"
        )
        print("    live vs fresh past half: " + " ".join(f"{a:.3f}" for a in replay.past_half))
        misses += live_misses(folder.name, replay)
    return misses


def bench_real(repeat: int, with_reddwarf: bool) -> None:
    if not DATA.is_dir():
        print(f"real conversations: {DATA} not found, skipped")
        return
    print(f"real Pol.is conversations from {DATA} (median of {repeat})")
    for folder in sorted(p for p in DATA.iterdir() if p.is_dir()):
        start = time.perf_counter()
        export = read_polis_export(folder)
        read = time.perf_counter() - start
        timing, result = median_run(lambda e=export: compute(e.conversation), repeat)
        polis = dict(export.polis_groups)
        print(
            f"  {folder.name}: read {read:.3f} s, pipeline {timing}, k={result.k}, "
            f"ARI vs Pol.is {agreement(polis, our_groups(result)):.3f}"
        )
        print(f"    stages: {format_stages(timing.stages)}")
        if with_reddwarf:
            print_reddwarf(export.conversation, repeat, timing, polis)


def live_33k(votes: Votes, updates: int, repeat: int) -> list[str]:
    """Time ``repeat`` series of ``updates`` live updates of the 33k round, each adding 0.5% of
    the votes, from a state computed on the votes before them; the targets missed. The mean
    time of an update is the median over the series."""
    total = votes.value.size
    counts = [round(total * (1 - 0.005 * (updates - i))) for i in range(updates + 1)]
    conversations = [Conversation(prefix(votes, n / total)) for n in counts]
    _, first = live_update(conversations[0], None, params=Parameters(), seed=0)
    walls, cpus = [], []
    with one_blas_thread():
        for _ in range(repeat):
            stored = first
            wall = cpu = 0.0
            for conversation in conversations[1:]:
                start, started_cpu = time.perf_counter(), time.process_time()
                live, stored = live_update(conversation, stored, params=Parameters(), seed=0)
                wall += time.perf_counter() - start
                cpu += time.process_time() - started_cpu
            walls.append(wall / updates)
            cpus.append(cpu / updates)
        fresh, _ = compute(conversations[-1])
    cpu_mean = statistics.median(cpus)
    print(
        f"  {updates} live updates (0.5% new votes each, fresh every "
        f"{Parameters().fresh_every}), median of {repeat}: {statistics.median(walls):.3f} s "
        f"(CPU {cpu_mean:.3f} s) on average, target CPU <= {LIVE_TARGETS['update_33k']} s "
        f"({load_average()}); the last vs fresh: ARI "
        f"{agreement(our_groups(fresh), our_groups(live)):.3f}"
    )
    if cpu_mean > LIVE_TARGETS["update_33k"]:
        return [f"33k: a live update takes {cpu_mean:.3f} s CPU on average"]
    return []


def bench_33k(repeat: int, with_reddwarf: bool, updates: int) -> list[str]:
    n, m, v = ROUNDS["33k"]
    print(f"synthetic round {n:,} x {m:,}, {v:,} votes (median of {repeat})")
    votes = planted_round(n, m, v)
    conversation = Conversation(votes)
    cold, result = median_run(lambda: compute(conversation), repeat)
    print(f"  cold start {cold}, k={result.k}: {format_stages(cold.stages)}")
    _, state = compute(Conversation(prefix(votes, 0.99)))
    warm, result = median_run(lambda: compute(conversation, state), repeat)
    print(f"  warm update (1% new votes) {warm}, k={result.k}: {format_stages(warm.stages)}")
    misses = live_33k(votes, updates, repeat)
    if with_reddwarf:
        print_reddwarf(conversation, 1, cold, {})
    print(f"  peak RSS of the benchmark process so far: {peak_rss_mb():.0f} MB")
    return misses


def child(path: Path, repeat: int) -> None:
    """Run the pipeline on the votes the parent saved in folder ``path``; print one JSON line."""
    votes = Votes(
        *(np.load(path / f"{name}.npy") for name in ("participant", "statement", "value"))
    )
    conversation = Conversation(votes)
    loaded = peak_rss_mb()
    cold, result = median_run(lambda: compute(conversation), repeat)
    _, state = compute(Conversation(prefix(votes, 0.99)))
    warm, _ = median_run(lambda: compute(conversation, state), repeat)
    print(
        json.dumps(
            {
                "cold": [cold.wall, cold.cpu],
                "stages": cold.stages,
                "warm": [warm.wall, warm.cpu],
                "warm_stages": warm.stages,
                "k": result.k,
                "votes_loaded_rss_mb": loaded,
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    )


def generate(path: Path) -> None:
    """Write the 100k round's votes to folder ``path`` as .npy files (run as a child process,
    so that the memory used to generate them is not counted in the measured child's peak)."""
    n, m, v = ROUNDS["100k"]
    votes = planted_round(n, m, v, seed=1)
    for name in ("participant", "statement", "value"):
        np.save(path / f"{name}.npy", getattr(votes, name))


def bench_100k(repeat: int) -> None:
    """Run first, while this process is small: Linux children inherit the parent's peak RSS
    (``ru_maxrss``) at fork time, so a child started later would report the parent's peak."""
    n, m, v = ROUNDS["100k"]
    print(f"synthetic round {n:,} x {m:,}, {v:,} votes (child process, median of {repeat})")
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([sys.executable, __file__, "--generate", folder], check=True)
        output = subprocess.run(
            [sys.executable, __file__, "--child", folder, "--repeat", str(repeat)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    figures: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    cold_wall, cold_cpu = figures["cold"]
    warm_wall, warm_cpu = figures["warm"]
    print(
        f"  cold start {cold_wall:.3f} s (CPU {cold_cpu:.3f} s), k={figures['k']}: "
        f"{format_stages(figures['stages'])}"
    )
    print(
        f"  warm update (1% new votes) {warm_wall:.3f} s (CPU {warm_cpu:.3f} s): "
        f"{format_stages(figures['warm_stages'])}"
    )
    print(
        f"  peak RSS {figures['peak_rss_mb']:.0f} MB "
        f"(of which {figures['votes_loaded_rss_mb']:.0f} MB after loading the votes)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--no-reddwarf", action="store_true", help="skip red-dwarf")
    parser.add_argument("--updates", type=int, default=40, help="live updates per replay")
    parser.add_argument(
        "--live-33k", type=int, default=16, help="live updates timed on the 33k round"
    )
    parser.add_argument("--only", choices=["real", "live", "33k", "100k"], help="run one part")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(args.generate)
        return 0
    if args.child:
        child(args.child, args.repeat)
        return 0
    with_reddwarf = not args.no_reddwarf
    misses = []
    if args.only in (None, "100k"):
        bench_100k(max(1, min(args.repeat, 3)))
    if args.only in (None, "real"):
        bench_real(args.repeat, with_reddwarf)
    if args.only in (None, "live"):
        misses += bench_live(args.updates)
    if args.only in (None, "33k"):
        misses += bench_33k(args.repeat, with_reddwarf, args.live_33k)
    for miss in misses:
        print(f"MISSED: {miss}")
    print(f"opinions: {'FAIL' if misses else 'pass'} ({len(misses)} targets missed)")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
