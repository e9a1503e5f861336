"""``dicomhelp view`` in a real browser: Debian's Chromium (headless) driven by Playwright.

The fixtures start the real server (``dicomhelp view ROOT --no-browser``, a subprocess on a
free loopback port) and write the static export; every check runs against both, the export
opened from ``file://``. Screenshots of each state are saved as test artefacts (their folder is
printed) and their pixels checked: not blank, the overlay's colour where it is drawn, changes
with the window and the frame.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from support import CHROMIUM_ARGS, chromium, run_cli
from view.conftest import INJECTIONS, MULTIFRAME_FRAMES, PRIVATE_VALUE, ViewData

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("view-screenshots")
    print(f"\nview screenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def server(view_data: ViewData) -> Iterator[str]:
    """The real server; at the end it is stopped as Ctrl-C stops it, and must exit 130."""
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "dicomhelp", "view", str(view_data.root), "--no-browser",
                             "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        assert line, proc.stderr.read()  # type: ignore[union-attr]
        info = json.loads(line)
        assert info["host"] == "127.0.0.1"
        yield info["url"]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert code == 130, proc.stderr.read()  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def export(view_data: ViewData, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("view-export") / "site"
    proc = run_cli("view", str(view_data.root), "--export", str(out))
    assert proc.returncode == 0, proc.stderr
    assert (out / "index.html").exists() and "open it in a browser" in proc.stdout
    return (out / "index.html").as_uri()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable = chromium()
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Page:
    """A browser tab on the site, with what it reported."""

    page: object
    shots: Path
    name: str
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def shot(self, label: str, selector: str = "#stack") -> np.ndarray:
        self.wait_for_pictures()
        data = self.page.locator(selector).screenshot(path=str(self.shots / f"{self.name}-{label}.png"))
        return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)

    def wait_for_pictures(self) -> None:
        self.page.wait_for_function(
            "() => Array.from(document.querySelectorAll('#stack img')).every(i => i.hidden || "
            "(i.complete && i.naturalWidth > 0)) && (!document.getElementById('viewer') || "
            "document.getElementById('viewer').dataset.loaded === document.getElementById('frame').src)",
            timeout=15000)

    def wait_for_new_frame(self, before: str) -> None:
        """The viewer asks for a new picture 60 ms after a change (debounced): wait until it has."""
        self.page.wait_for_function("(old) => document.getElementById('frame').src !== old", arg=before,
                                    timeout=15000)

    def frame_src(self) -> str:
        return self.page.evaluate("() => document.getElementById('frame').src")

    def open(self, link_text: str) -> None:
        self.page.get_by_role("link", name=link_text, exact=True).first.click()
        self.page.wait_for_load_state()


@pytest.fixture(params=["server", "export"])
def tab(request: pytest.FixtureRequest, browser: object, shots: Path) -> Iterator[Page]:
    home = request.getfixturevalue(request.param)
    context = browser.new_context(viewport={"width": 1300, "height": 1000})  # type: ignore[attr-defined]
    page = context.new_page()
    tab = Page(page, shots, f"{request.node.name}".replace("[", "-").replace("]", ""))
    page.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: tab.errors.append(str(e)))

    def dialog(d: object) -> None:
        tab.dialogs.append(d.message)  # type: ignore[attr-defined]
        d.dismiss()  # type: ignore[attr-defined]

    page.on("dialog", dialog)
    page.goto(home)
    yield tab
    context.close()
    assert not tab.errors, tab.errors


def coloured(rgb: np.ndarray) -> np.ndarray:
    """Pixels that are not grey: what an overlay drew on a grayscale image."""
    return (np.abs(rgb[..., 0] - rgb[..., 1]) > 30) | (np.abs(rgb[..., 1] - rgb[..., 2]) > 30)


def test_open_a_study_expand_a_sequence_and_read_an_explanation(tab: Page) -> None:
    page = tab.page
    assert "Sample CT study (dicomhelp)" in page.inner_text("body")
    tab.open("#2 IM000001")
    sequence = page.locator("details.seq").filter(has=page.locator('.row[data-kw="OtherPatientIDsSequence"]')).first
    inner = sequence.locator('.row[data-path="OtherPatientIDsSequence[0].PatientID"]')
    assert not inner.is_visible()
    sequence.locator("summary").first.click()
    sequence.locator("details.item summary").first.click()
    assert inner.is_visible()
    inner.click()
    assert page.input_value("#panel-path") == "OtherPatientIDsSequence[0].PatientID"
    page.locator('.row[data-path="PatientName"]').click()
    page.wait_for_selector("#panel-explain .explanation")
    text = page.inner_text("#panel")
    assert "Patient's Name" in text and "CT Image IOD" in text and "required, may be empty" in text
    page.fill("#tree-filter", "0018,0050")
    page.wait_for_function("() => document.getElementById('filter-count').textContent.includes('match')")
    assert page.locator('.row[data-kw="SliceThickness"]').is_visible()
    assert not page.locator('.row[data-kw="PatientName"]').is_visible()
    tab.shot("explained", "main")


def test_the_window_changes_the_pixels(tab: Page) -> None:
    page = tab.page
    tab.open("#2 IM000001")
    first = tab.shot("window-default")
    assert first.std() > 10  # an image, not a blank box
    before = tab.frame_src()
    page.select_option("#preset", label="CT bone")
    tab.wait_for_new_frame(before)
    bone = tab.shot("window-bone")
    assert np.abs(bone - first).mean() > 5
    if page.locator("#ww").count():  # the server lets any window be set
        before = tab.frame_src()
        page.fill("#ww", "60")
        tab.wait_for_new_frame(before)
        narrow = tab.shot("window-narrow")
        assert np.abs(narrow - bone).mean() > 5


def test_step_to_frame_n_of_a_multiframe(tab: Page) -> None:
    page = tab.page
    tab.open("#1 multiframe.dcm")
    first = tab.shot("frame-1")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.getElementById('frame-number').textContent === '4'")
    fourth = tab.shot("frame-4")
    assert np.abs(fourth - first).mean() > 5
    page.fill("#frame-slider", str(MULTIFRAME_FRAMES))
    page.wait_for_function(f"() => document.getElementById('frame-number').textContent === '{MULTIFRAME_FRAMES}'")
    assert np.abs(tab.shot("frame-last") - fourth).mean() > 5


def test_follow_an_sr_region_link_to_the_image(tab: Page) -> None:
    page = tab.page
    tab.open("#1 SR000000")
    assert "Imaging Measurement Report" in page.inner_text("#sr-tree")
    page.locator("a.region-link").first.click()
    page.wait_for_load_state()
    rgb = tab.shot("sr-region")
    cyan = (rgb[..., 0] < 80) & (rgb[..., 1] > 180) & (rgb[..., 2] > 180)
    assert cyan.sum() > 50, "the SR's circle is drawn in cyan"
    page.locator('[data-toggle="region"]').uncheck()
    assert ((lambda r: (r[..., 0] < 80) & (r[..., 1] > 180) & (r[..., 2] > 180))(tab.shot("sr-region-off"))).sum() < 5


def test_toggle_a_gsps_layer(tab: Page) -> None:
    page = tab.page
    tab.open("#1 PR000000")
    # The result set's SEG covers the same slice: its overlay is offered too; off, the GSPS's layers stay.
    segments = page.locator("[data-toggle^='segment-']")
    assert segments.count() >= 1
    with_segments = coloured(tab.shot("gsps-and-seg")).sum()
    for i in range(segments.count()):
        segments.nth(i).uncheck()
    shown = coloured(tab.shot("gsps-all")).sum()
    assert shown < with_segments
    assert shown > 100, "the annotations are drawn in their layers' colours"
    boxes = page.locator("[data-toggle^='layer-']")
    assert boxes.count() == 2
    boxes.nth(0).uncheck()
    one_off = coloured(tab.shot("gsps-one-layer-off")).sum()
    boxes.nth(1).uncheck()
    none = coloured(tab.shot("gsps-no-layer")).sum()
    assert none < 5 < one_off < shown


def test_see_the_pdf(tab: Page) -> None:
    page = tab.page
    tab.open("#1 ED000000")
    frame = page.locator("iframe#pdf")
    assert frame.is_visible()
    colours = 0
    for attempt in range(30):  # Chromium's PDF viewer draws the page a moment after it loads
        page.wait_for_timeout(500)
        rgb = tab.shot("pdf", "iframe#pdf") if attempt % 4 == 3 else None
        if rgb is not None:
            colours = len(np.unique(rgb.reshape(-1, 3), axis=0))
            if colours > 50:
                break
    assert colours > 50, "the PDF is shown (not a blocked or blank frame)"


def test_html_in_values_is_shown_as_text_and_runs_nothing(tab: Page) -> None:
    page = tab.page
    tab.open("#1 injection.dcm")
    page.wait_for_timeout(300)
    assert page.inner_text('.row[data-path="PatientName"] .val') == INJECTIONS["PatientName"]
    assert page.inner_text('.row[data-path="StudyDescription"] .val') == INJECTIONS["StudyDescription"]
    assert PRIVATE_VALUE in page.inner_text("#tree")
    page.locator('.row[data-path="SeriesDescription"]').click()
    page.wait_for_selector("#panel-explain .explanation")
    assert page.inner_text("#panel-value") == INJECTIONS["SeriesDescription"]
    assert page.locator("img[src='x']").count() == 0
    assert not tab.dialogs
    tab.shot("injection", "main")
