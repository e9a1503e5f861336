"""The fuzzer's share of the suite: its regression files, then a few hundred fresh mutants in bounded time.

Every command (dump, dump --json, sr, validate, anonymize, edit, transcode)
on every mutant: no traceback, no exit 3, no hang, memory bounded, no output
when a command fails, the input unmodified, no PHI marker in an anonymize
output. The long campaign: ``python -m tests.fuzz --count 10000``.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fuzz.mutate import Mutant, Seed, boundaries_of, make_seeds, mutants
from fuzz.run import Campaign, Worker, run_campaign, run_mutant

REGRESSIONS = Path(__file__).resolve().parents[1] / "data" / "fuzz"
CI_MUTANTS = 400  # 7 commands each: 2800 command runs, ~40 s on one core
CI_SECONDS = 90


@pytest.fixture(scope="module")
def worker():  # type: ignore[no-untyped-def]
    w = Worker()
    yield w
    w.close()


@pytest.mark.fuzz
@pytest.mark.parametrize("path", sorted(REGRESSIONS.glob("*.dcm")), ids=lambda p: p.name)
def test_what_the_fuzzer_found_stays_fixed(path: Path, worker: Worker, tmp_path: Path) -> None:
    data = path.read_bytes()
    seed = Seed(path.name, data, boundaries_of(data), ())
    campaign = Campaign()
    found = run_mutant(Mutant(0, seed, "regression", data), worker, tmp_path, campaign)
    assert not found, "\n".join(f.line() for f in found)
    assert sum(campaign.runs.values()) == 7


def test_regression_files_stay_small() -> None:
    files = list(REGRESSIONS.glob("*.dcm"))
    assert files and all(p.stat().st_size < 64 * 1024 for p in files)


@pytest.mark.fuzz
@pytest.mark.slow
def test_a_few_hundred_mutants_break_no_invariant(tmp_path: Path) -> None:
    started = time.monotonic()
    seeds = make_seeds(tmp_path / "seeds")
    assert len(seeds) >= 18  # the wheel's and the project's own objects (SR, GSPS, SC, PDF, CT)
    todo = mutants(seeds, CI_MUTANTS, seed=17)
    assert len({m.mutator.split("+")[0] for m in todo}) == 10  # every kind of damage
    campaign = run_campaign(todo, tmp_path / "run")
    took = time.monotonic() - started
    assert not campaign.failures, "\n".join(campaign.table() + [f.line() for f in campaign.failures])
    assert campaign.mutants == CI_MUTANTS and sum(campaign.runs.values()) == 7 * CI_MUTANTS
    assert took < CI_SECONDS, "\n".join(campaign.table())
