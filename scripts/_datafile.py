"""What every ``scripts/build_*.py`` does last: write the generated data file, or ``--check`` it."""

from __future__ import annotations

from pathlib import Path


def write_or_check(out: Path, text: str, check: bool, source: str) -> int:
    """0 when written or up to date; 1 when ``--check`` finds the committed file differs from ``source``'s."""
    if check:
        same = out.exists() and out.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{out} differs from what {source} gives")
        return 0 if same else 1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}")
    return 0
