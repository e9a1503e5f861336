"""The long fuzz campaign: ``python -m tests.fuzz --count 10000 --seed 1`` (from the repository root).

Prints one line of figures per command (runs, tracebacks, exit 3, hangs,
partial outputs, ...) and one line per failure; failing mutants are kept in
``--keep`` (default: a temporary folder, printed). Exit 1 when anything failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, as pytest's pythonpath

from fuzz.mutate import make_seeds, mutants  # noqa: E402
from fuzz.run import COMMANDS, TIMEOUT, run_campaign  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="mutants to run (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed: the same seed, the same mutants")
    parser.add_argument("--start", type=int, default=0, help="skip the first N mutants of the seed")
    parser.add_argument("--commands", default=",".join(COMMANDS), help="comma-separated subset of the commands")
    parser.add_argument("--timeout", type=float, default=TIMEOUT, help="seconds per command run before a hang")
    parser.add_argument("--minutes", type=float, default=None, help="stop after this long (figures so far)")
    parser.add_argument("--keep", type=Path, default=None, help="folder for the failing mutants")
    parser.add_argument("--json", action="store_true", help="the figures as JSON on stdout")
    args = parser.parse_args()
    commands = tuple(c.strip() for c in args.commands.split(",") if c.strip())
    unknown = set(commands) - set(COMMANDS)
    if unknown:
        parser.error(f"unknown command(s) {sorted(unknown)}; choose from {list(COMMANDS)}")
    with tempfile.TemporaryDirectory(prefix="dicomhelp-fuzz-") as tmp:
        work = Path(tmp)
        keep = args.keep or work.parent / f"dicomhelp-fuzz-failures-{args.seed}"
        seeds = make_seeds(work / "seeds")
        todo = mutants(seeds, args.start + args.count, args.seed)[args.start:]
        last = [time.monotonic()]

        def progress(campaign) -> None:  # type: ignore[no-untyped-def]
            if time.monotonic() - last[0] > 30:
                last[0] = time.monotonic()
                print(f"... {campaign.mutants} mutants, {len(campaign.failures)} failure(s), "
                      f"{campaign.seconds:.0f} s", file=sys.stderr, flush=True)

        campaign = run_campaign(todo, work / "run", commands=commands, timeout=args.timeout, keep=keep,
                                budget=None if args.minutes is None else args.minutes * 60, progress=progress)
    if args.json:
        print(json.dumps({"seed": args.seed, "start": args.start, **campaign.as_dict()}, indent=2))
    else:
        print(f"seed {args.seed}, mutants {args.start}..{args.start + campaign.mutants - 1}")
        print("\n".join(campaign.table()))
        for failure in campaign.failures:
            print(failure.line())
        if campaign.failures:
            print(f"failing mutants kept in {keep}")
    return 1 if campaign.failures else 0


if __name__ == "__main__":
    sys.exit(main())
