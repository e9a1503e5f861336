"""The main job end to end: the tour creates, validates and shows a full result set."""

from __future__ import annotations

from pathlib import Path

from support import dciodvfy, run_cli


def test_tour_creates_validates_and_shows_the_whole_result_set(tmp_path: Path) -> None:
    proc = run_cli("tour", "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    text = proc.stdout
    for heading in ("create results", "render", "dump: the multi-frame Secondary Capture",
                    "validate: every object", "explain:", "send: the result set", "view: the result set in the browser"):
        assert any(ln.startswith("== ") and heading in ln for ln in text.splitlines()), heading
    # The SR of the result set has a group of each primitive and the seed's title modifier.
    for template in ("1501", "1410", "1411"):
        assert f"CONTAINER  Measurement Group  [TID {template}]" in text, template
    assert "Document Title Modifier = AI-Rad CT Cardio (CHESTCT0304, 99SHSAIRC)" in text
    assert "Image Region = CIRCLE" in text and "POLYLINE" in text
    # The SC is JPEG-LS and its pixel data summarised, never cut.
    assert "JPEG-LS Lossless Image Compression, encapsulated" in text
    assert "11 file(s) checked: 11 without errors, 0 with errors; 0 error(s)" in text
    # Sent to a receiver the tour started and stopped: every instance stored and found valid there.
    assert "10 instance(s) to TOUR_PACS@127.0.0.1:" in text and ": 10 stored" in text  # the DICOMDIR is an index
    received = [ln for ln in text.splitlines() if ln.startswith("  stored ") and "from DICOMHELP: " in ln]
    assert len(received) == 10 and all(ln.endswith(": valid") for ln in received), received
    results = tmp_path / "out" / "results"
    site = tmp_path / "out" / "view" / "index.html"
    assert f"Open it in a browser (no server needed): {site.resolve().as_uri()}" in text
    assert "IM000000" in site.read_text() and len(list(site.parent.glob("files/*.html"))) >= 9
    assert (results / "DICOMDIR").exists() and (tmp_path / "out" / "preview.png").stat().st_size > 0
    created = [p for p in results.rglob("*") if p.is_file() and p.name != "DICOMDIR"
               and not p.parent.name.startswith("SE000000")]
    assert len(created) == 6  # SR, SEG, GSPS, SC, PDF, KOS
    for path in created:
        verdict = dciodvfy(path)
        assert verdict.ok, (path, verdict)
