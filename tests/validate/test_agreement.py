"""dicomhelp validate against the pinned dciodvfy on a mutation corpus (figures printed with -s / in -ra)."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import agreement  # noqa: E402
from support import tool  # noqa: E402

pytestmark = pytest.mark.validators


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> list[agreement.Case]:
    tool("dciodvfy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the mutants carry invalid values on purpose
        return agreement.build_cases(tmp_path_factory.mktemp("agreement"))


def _report(s: agreement.Score, cases: list[agreement.Case]) -> str:
    lines = [
        f"corpus: {len(cases)} files ({len({c.base for c in cases})} bases + mutants)",
        f"dciodvfy attribute-level errors reported by dicomhelp on the same attribute: "
        f"{s.matched}/{s.their_errors} = {s.recall:.1%} (adjudicated, not scored: {s.adjudicated_theirs})",
        f"files dciodvfy passes with no dicomhelp error: {s.passing_clean}/{s.passing_files} = {s.clean_rate:.1%} "
        f"(adjudicated dicomhelp-only errors: {s.adjudicated_ours})",
    ]
    for case, f in s.missed[:20]:
        lines.append(f"  missed   {case.path.name}: {f.path}: {f.message}")
    for case, fs in s.extra[:20]:
        lines.append(f"  extra    {case.path.name}: " + "; ".join(f"{f.rule} {f.path}" for f in fs))
    return "\n".join(lines)


def test_agreement_with_dciodvfy(cases: list[agreement.Case]) -> None:
    s = agreement.score(cases, agreement.read_table())
    text = _report(s, cases)
    print("\n" + text)
    assert len(cases) >= 100, text
    assert s.their_errors >= 100, "the corpus must make dciodvfy report errors to compare"
    assert s.recall >= 0.95, text
    assert s.passing_files >= 10, text
    assert s.clean_rate >= 0.95, text


def test_every_mutation_kind_is_caught(cases: list[agreement.Case]) -> None:
    """Each mutation is reported by dicomhelp at the attribute it broke."""
    for case in cases:
        if case.mutation == "original":
            continue
        kind, _, keyword = case.mutation.partition(":")
        if kind == "missing-language":
            assert any(f.rule.startswith("sr.tid1204") and f.sr_position == "1" for f in case.ours), case.path
            continue
        if kind == "drop-module":
            assert any(f.rule == "iod.module-missing" or f.rule.startswith("iod.type") for f in case.ours), case.path
            continue
        hits = [f for f in case.ours if f.keyword == keyword]
        assert hits, f"{case.path.name}: nothing reported on {keyword}"


def test_disagreement_table_matches_the_run(cases: list[agreement.Case]) -> None:
    rows = agreement.read_table()
    assert rows, "docs/validation-disagreements.md has no table rows"
    for row in rows:
        assert row.side in ("dciodvfy only", "dicomhelp only"), row
        assert row.supported_by in ("dicomhelp", "dciodvfy", "neither"), row
    s = agreement.score(cases, rows)
    stale = [r for r in rows if r not in s.rows_hit]
    assert not stale, f"rows that no longer occur in the run: {stale}"
