"""``python -m voting.opinions DIR [--json] [--seed N]``: opinion map of a Pol.is export folder."""

import argparse
import json
import sys
import time
from pathlib import Path

from voting.opinions.pipeline import compute
from voting.opinions.polis_export import PolisExportError, read_polis_export
from voting.opinions.report import as_json, summary

EXIT_BAD_INPUT = 2


def _seed(text: str) -> int:
    """A seed of ``numpy.random.default_rng``: an integer from 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative")
    return value


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for unreadable or malformed input)."""
    parser = argparse.ArgumentParser(
        prog="python -m voting.opinions",
        description="Opinion groups, representative statements and consensus of a Pol.is export.",
    )
    parser.add_argument("folder", type=Path, help="Pol.is export folder (votes.csv, ...)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--seed", type=_seed, default=0, help="random seed, 0 or more (default 0)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        export = read_polis_export(args.folder)
    except PolisExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    read = time.perf_counter() - start
    start = time.perf_counter()
    result, _ = compute(export.conversation, seed=args.seed)
    timings = {"read": read, **result.timings, "total": time.perf_counter() - start}
    if args.json:
        json.dump(as_json(result, timings), sys.stdout)
        sys.stdout.write("\n")
    else:
        print(summary(result, timings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
