"""Every example in docs/guide is executed and its output checked.

In a chapter, a ```console block holds commands (lines starting with ``$ ``),
each followed by the output expected from it; a line ``...`` in the expected
output stands for any number of lines, and ``[...]`` at the end of a line for
the rest of that line. A command may be followed by ``# exit N`` when it is
meant to fail. ```python blocks run in one namespace per chapter and make
their own assertions. All blocks of a chapter share a working folder, so a file
one example creates is there for the next.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "guide"
FENCE = re.compile(r"^```(console|python)[^\n]*\n(.*?)^```\s*$", re.S | re.M)


def chapters() -> list[Path]:
    return sorted(GUIDE.glob("*.md"))


def blocks(text: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(text)]


def console_steps(block: str) -> list[tuple[str, int, list[str]]]:
    steps: list[tuple[str, int, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            cmd = line[2:]
            code = 0
            m = re.search(r"\s+# exit (\d+)\s*$", cmd)
            if m:
                code = int(m.group(1))
                cmd = cmd[: m.start()]
            steps.append((cmd, code, []))
        elif steps:
            steps[-1][2].append(line)
    return steps


def output_matches(expected: list[str], actual: list[str]) -> bool:
    exp = [ln.rstrip() for ln in expected]
    act = [ln.rstrip() for ln in actual]
    while exp and not exp[-1]:
        exp.pop()
    while act and not act[-1]:
        act.pop()

    def line_ok(e: str, a: str) -> bool:
        if e.endswith("[...]"):
            return a.startswith(e[:-5])
        return e == a

    def match(i: int, j: int) -> bool:
        if i == len(exp):
            return j == len(act)
        if exp[i] == "...":
            return any(match(i + 1, k) for k in range(j, len(act) + 1))
        return j < len(act) and line_ok(exp[i], act[j]) and match(i + 1, j + 1)

    return match(0, 0)


@pytest.mark.parametrize("chapter", chapters(), ids=lambda p: p.stem)
def test_chapter_examples_run(chapter: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Readers run the examples with dicomhelp on PATH; `make test` calls the venv's python
    # without activating the venv, so put its bin folder first for shell and python blocks.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    namespace: dict[str, object] = {"__name__": "__guide__"}
    found = blocks(chapter.read_text(encoding="utf-8"))
    assert found, f"{chapter.name} has no runnable example"
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        for kind, body in found:
            if kind == "python":
                exec(compile(body, f"{chapter.name}:python", "exec"), namespace)
                continue
            for cmd, code, expected in console_steps(body):
                proc = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True,
                                      env=env, cwd=tmp_path, timeout=600)
                assert proc.returncode == code, f"{chapter.name}: `{cmd}` exited {proc.returncode}\n{proc.stderr}"
                out = (proc.stdout + proc.stderr).splitlines() if code else proc.stdout.splitlines()
                if expected and any(e.strip() for e in expected):
                    assert output_matches(expected, out), (
                        f"{chapter.name}: `{cmd}` printed\n" + "\n".join(out[:80])
                    )
    finally:
        os.chdir(old)


def test_output_matcher() -> None:
    assert output_matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert output_matches(["a [...]"], ["a whatever"])
    assert not output_matches(["a", "d"], ["a", "b", "d"])
    assert not output_matches(["x"], ["y"])
