"""The routes of ``dicomhelp view`` through Starlette's test client: every page, the token, the paths
it refuses, escaping, and that what the pages show is what dump/validate/explain say."""

from __future__ import annotations

import io
import json
import re
import tracemalloc
from html import unescape
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pytest
from PIL import Image
from starlette.testclient import TestClient

from dicomhelp.view.app import create_app
from dicomhelp.view.index import FolderIndex, build_index
from support import run_cli
from view.conftest import INJECTIONS, PRIVATE_CREATOR, PRIVATE_VALUE, ViewData

TOKEN = "test-token-0123456789"


@pytest.fixture(scope="module")
def index(view_data: ViewData) -> FolderIndex:
    return build_index(view_data.root, jobs=1)


@pytest.fixture(scope="module")
def client(index: FolderIndex) -> TestClient:
    c = TestClient(create_app(index, token=TOKEN, cookie="dicomhelp-test"), base_url="http://127.0.0.1")
    assert c.get(f"/?token={TOKEN}").status_code == 200  # sets the cookie for the rest
    return c


def url(kind: str, rel: str, **query: str | int) -> str:
    params = "&".join(f"{k}={quote(str(v))}" for k, v in query.items())
    return f"/{kind}/{quote(rel)}" + (f"?{params}" if params else "")


def png(response) -> np.ndarray:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    return np.asarray(Image.open(io.BytesIO(response.content)).convert("RGBA")).astype(int)


ROW = re.compile(r'<div class="row[^"]*"[^>]*data-path="([^"]*)"[^>]*data-tag="([^"]*)"[^>]*data-vr="([^"]*)">'
                 r'.*?<span class="val">(.*?)</span>', re.S)


def rows_of(page: str) -> list[dict[str, str]]:
    """The element rows of an instance page: path, tag, VR and the value as the browser shows it."""
    return [{"path": unescape(p), "tag": t, "vr": v, "value": unescape(value)} for p, t, v, value in ROW.findall(page)]


# ---------------------------------------------------------------------------- the token


def test_requests_without_the_token_or_with_a_wrong_one_get_403(index: FolderIndex) -> None:
    fresh = TestClient(create_app(index, token=TOKEN, cookie="dicomhelp-test"), base_url="http://127.0.0.1")
    rel = index.readable[0].rel
    for path in ("/", url("file", rel), url("frame", rel), "/static/view.js", "/api/index", "/explain?key=tag%3D00100010"):
        assert fresh.get(path).status_code == 403, path
        assert fresh.get(path + ("&" if "?" in path else "?") + "token=wrong").status_code == 403, path
    fresh.cookies.set("dicomhelp-test", "wrong")
    assert fresh.get("/").status_code == 403
    fresh.cookies.clear()
    first = fresh.get(f"/?token={TOKEN}")
    assert first.status_code == 200
    cookie = first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert fresh.get("/static/view.js").status_code == 200  # the cookie carries it from now on


def test_every_response_has_the_security_headers(client: TestClient, view_data: ViewData) -> None:
    for path in ("/", url("file", view_data.rel(view_data.results_file("ct"))), "/static/view.css", "/nothing"):
        response = client.get(path)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "default-src 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


# ---------------------------------------------------------------------------- every page


def test_every_page_and_picture_answers(client: TestClient, index: FolderIndex) -> None:
    home = client.get("/")
    assert home.status_code == 200
    for entry in index.entries:
        page = client.get(url("file", entry.rel))
        assert page.status_code == 200, (entry.rel, page.text[:300])
        assert "Traceback" not in page.text
        if entry.kind == "image" and not entry.damaged:
            for n in {1, entry.frames}:
                png(client.get(url("frame", entry.rel, n=n)))
        if entry.kind != "unreadable":
            assert client.get(url("api/dump", entry.rel)).status_code == 200
    # every file under the root is listed on the folder page, the unreadable ones with their reason
    for entry in index.entries:
        if entry.kind != "dicomdir":
            assert quote(entry.rel) in home.text, entry.rel


def test_the_folder_page_shows_the_hierarchy_and_the_verdicts(client: TestClient, index: FolderIndex) -> None:
    html = client.get("/").text
    assert "Sample CT study (dicomhelp)" in html and "as the DICOMDIR lists them" in html
    assert html.count('class="instance"') == len([e for e in index.readable if e.kind != "dicomdir"])
    assert "Enhanced SR Storage" in html and "Grayscale Softcopy Presentation State Storage" in html
    garbage = next(e for e in index.entries if e.rel == "extra/garbage.dcm")
    assert garbage.kind == "unreadable" and garbage.error in html
    truncated = next(e for e in index.entries if e.rel == "extra/truncated.dcm")
    assert truncated.damaged and "damaged" in html


def test_damaged_files_show_what_could_be_read_and_the_problem(client: TestClient, view_data: ViewData) -> None:
    page = client.get(url("file", view_data.rel(view_data.truncated))).text
    assert "This file is damaged" in page and "cut short" in page
    assert 'data-path="PatientName"' in page  # the header before the damage is shown
    garbage = client.get(url("file", view_data.rel(view_data.garbage))).text
    assert "This file cannot be shown" in garbage and "not a DICOM file" in garbage
    frame = client.get(url("frame", view_data.rel(view_data.truncated), n=1))
    assert frame.status_code == 422 and "cannot decode" in frame.text


# ---------------------------------------------------------------------------- paths it refuses


@pytest.mark.parametrize("path", [
    "/file/../../../../etc/passwd", "/file/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/file//etc/passwd",
    "/file/%2Fetc%2Fpasswd", "/frame/..%2F..%2Fstudy%2FCT0001.dcm", "/file/extra/link-out.dcm",
    "/frame/extra/link-out.dcm", "/document/results/../../outside.dcm", "/file/extra/notes.txt-missing",
    "/static/../app.py", "/file/results", "/layer/extra/injection.dcm?image=extra/injection.dcm&layer=x",
])
def test_paths_outside_the_index_get_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404, (path, response.status_code)
    assert "Traceback" not in response.text


def test_a_symlink_out_of_the_tree_is_not_indexed(index: FolderIndex, view_data: ViewData) -> None:
    assert index.by_rel("extra/link-out.dcm") is None
    assert all(not e.rel.startswith("..") for e in index.entries)


# ---------------------------------------------------------------------------- the same models as the CLI


def test_the_tree_matches_dump_json(client: TestClient, view_data: ViewData) -> None:
    for path in (view_data.results_file("ct"), view_data.results_file("sr"), view_data.injection):
        rel = view_data.rel(path)
        proc = run_cli("dump", str(path), "--json")
        assert proc.returncode == 0, proc.stderr
        dumped = json.loads(proc.stdout)
        assert json.loads(client.get(url("api/dump", rel)).text) == json.loads(
            json.dumps(dumped).replace(Path(path).resolve().as_uri(), (view_data.root / rel).resolve().as_uri()))
        rows = {r["tag"]: r for r in rows_of(client.get(url("file", rel)).text) if "." not in r["path"]
                and "[" not in r["path"]}
        checked = 0
        for key, element in dumped.items():
            tag = f"({key[:4].lower()}, {key[4:].lower()})"
            assert tag in rows, (rel, tag)
            assert rows[tag]["vr"] == element["vr"]
            if element["vr"] in ("CS", "LO", "SH", "UI", "DA", "TM", "LT", "ST", "UT") and "Value" in element:
                assert rows[tag]["value"] == "\\".join(str(v) for v in element["Value"]).replace("\n", "\\n"), tag
                checked += 1
            elif element["vr"] == "PN" and "Value" in element:
                groups = [element["Value"][0].get(k, "") for k in ("Alphabetic", "Ideographic", "Phonetic")]
                assert rows[tag]["value"] == "=".join(groups).rstrip("=")  # PN groups: alphabetic=ideographic=...
                checked += 1
        assert checked >= 5


def test_findings_match_validate_json(client: TestClient, view_data: ViewData) -> None:
    for path in (view_data.truncated, view_data.injection, view_data.results_file("sr")):
        rel = view_data.rel(path)
        proc = run_cli("validate", str(path), "--json")
        cli = json.loads(proc.stdout.splitlines()[0])
        api = client.get(url("api/validate", rel)).json()
        assert [f["rule"] for f in api["findings"]] == [f["rule"] for f in cli["findings"]]
        assert (api["errors"], api["warnings"]) == (cli["errors"], cli["warnings"])
        page = client.get(url("file", rel)).text
        shown = re.findall(r'<div class="why">\[([^;\]]+)', page.split('class="tree"')[0])
        assert sorted(set(shown)) == sorted({f["rule"] for f in cli["findings"]}), rel


def test_a_finding_is_shown_on_the_element_it_is_about(client: TestClient, view_data: ViewData) -> None:
    proc = run_cli("validate", str(view_data.injection), "--json")
    # "not checked" conditions are about attributes the file does not have: no element to flag.
    findings = [f for f in json.loads(proc.stdout.splitlines()[0])["findings"]
                if f.get("path") and f["rule"] != "iod.condition-not-checked"]
    assert findings, "the injection file has findings about its odd elements"
    html = client.get(url("file", view_data.rel(view_data.injection))).text
    for f in findings:
        row = re.search(r'<div class="row flagged[^"]*"[^>]*data-path="' + re.escape(f["path"]) + '"', html)
        assert row, f["path"]


def test_explanations_say_what_explain_says_and_the_type_in_this_iod(client: TestClient) -> None:
    ct = "1.2.840.10008.5.1.4.1.1.2"
    html = client.get(f"/explain?key={quote('tag=00100010')}&sop={ct}").text
    assert "Patient&#39;s Name" in html and "(0010,0010)" in html and "Person Name" in html
    assert "CT Image IOD" in html and "type <strong>2</strong>" in html and "required, may be empty" in html
    code = client.get(f"/explain?key={quote('tag=00080100&in=ConceptNameCodeSequence&code=DCM:121049')}").text
    assert "Language of Content Item and Descendants" in code
    # The definition of PS3.16 Annex D, with its edition (the 2015 one dicomhelp has).
    assert "2015-04-20 edition" in code and "The language of the current content item" in code
    newer = client.get(f"/explain?key={quote('tag=00080100&in=ConceptNameCodeSequence&code=DCM:126029')}").text
    assert "no definition in the 2015 edition of PS3.16 this project has" in newer
    private = client.get("/explain?key=" + quote('tag=00091001&private=(0009,"GEMS_IDEN_01",01)')).text
    assert "GEMS_IDEN_01" in private
    unknown = client.get("/explain?key=" + quote("tag=00990010")).text
    assert "explanation" in unknown  # an unknown element still answers, with what is known


def test_the_sr_page_links_images_and_regions(client: TestClient, view_data: ViewData, index: FolderIndex) -> None:
    html = client.get(url("file", view_data.rel(view_data.results_file("sr")))).text
    assert "Imaging Measurement Report" in html and "Diameter" in html
    regions = re.findall(r'class="region-link" href="([^"]+)"', html)
    assert len(regions) == 3  # the circle of TID 1410 and the two outlines of TID 1411
    page = client.get(regions[0].replace("&amp;", "&")).text
    overlay = re.search(r'data-overlay="region" src="([^"]+)"', page)
    assert overlay, "the image page draws the region"
    picture = png(client.get(overlay.group(1).replace("&amp;", "&")))
    cyan = (picture[..., 0] < 50) & (picture[..., 1] > 200) & (picture[..., 2] > 200) & (picture[..., 3] > 0)
    assert 20 < cyan.sum() < picture.shape[0] * picture.shape[1] / 4
    images = re.findall(r'class="goto-image" href="([^"]+)"', html)
    assert images and all(client.get(i.replace("&amp;", "&")).status_code == 200 for i in images)


# ---------------------------------------------------------------------------- pictures


def test_window_level_changes_the_frame(client: TestClient, view_data: ViewData) -> None:
    rel = view_data.rel(view_data.results_file("ct"))
    narrow = png(client.get(url("frame", rel, n=1, wc=40, ww=80)))
    wide = png(client.get(url("frame", rel, n=1, wc=40, ww=2000)))
    own = png(client.get(url("frame", rel, n=1, wc="", ww="")))
    assert narrow.shape == wide.shape == (128, 128, 4)
    assert np.abs(narrow - wide).mean() > 10 and np.abs(own - wide).mean() > 1
    assert narrow[..., :3].std() > 10  # not blank


def test_every_frame_of_a_multiframe_is_reachable_and_different(client: TestClient, view_data: ViewData) -> None:
    from view.conftest import MULTIFRAME_FRAMES

    rel = view_data.rel(view_data.multiframe)
    frames = [png(client.get(url("frame", rel, n=n))) for n in range(1, MULTIFRAME_FRAMES + 1)]
    assert all(np.abs(a - b).mean() > 1 for a, b in zip(frames, frames[1:]))
    page = client.get(url("file", rel)).text
    assert f'max="{MULTIFRAME_FRAMES}"' in page and 'id="frame-slider"' in page


def _frame_peak(tmp_path: Path, study: Path, frames: int) -> int:
    from dicomhelp.view.frames import frame_png

    data = np.zeros((frames, 512, 512), dtype=np.uint16)
    data[:, 100:200, 100:200] = np.arange(frames, dtype=np.uint16)[:, None, None] * 50 + 7
    np.save(tmp_path / f"big{frames}.npy", data)
    folder = tmp_path / f"big{frames}"
    folder.mkdir()
    proc = run_cli("create", "sc", str(tmp_path / f"big{frames}.npy"), "--source", str(study), "-o",
                   str(folder / "big.dcm"))
    assert proc.returncode == 0, proc.stderr
    del data
    big = build_index(folder, validate=False)
    frame_png(big, big.entries[0], 2)  # imports and caches warmed
    tracemalloc.start()
    picture = frame_png(big, big.entries[0], frames - 1)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert np.asarray(Image.open(io.BytesIO(picture))).std() > 0
    return peak


def test_one_frame_is_decoded_without_the_others(view_data: ViewData, tmp_path: Path) -> None:
    """Showing a frame of a 42 MB multi-frame allocates what a frame of a 5 MB one does: one frame's worth."""
    small, big = _frame_peak(tmp_path, view_data.study, 10), _frame_peak(tmp_path, view_data.study, 80)
    assert big < small * 1.2 + 500_000, (small, big)
    assert big < 80 * 512 * 512 * 2 / 4


def test_gsps_layers_come_one_by_one_and_add_up_to_render(client: TestClient, view_data: ViewData,
                                                         index: FolderIndex) -> None:
    from pydicom import dcmread

    from dicomhelp.display import render

    gsps = view_data.results_file("gsps")
    page = client.get(url("file", view_data.rel(gsps))).text
    layers = re.findall(r'data-overlay="layer-\d+" data-src="([^"]+)"', page)
    base = re.search(r'id="frame"[^>]*data-src="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert len(layers) == 2
    image_rel = re.search(r"image=([^&]+)&", layers[0].replace("&amp;", "&")).group(1)
    image_path = view_data.root / image_rel.replace("%2F", "/")
    composed = Image.fromarray(png(client.get(base.replace("{n}", "1").replace("{c}", "").replace("{w}", "")))
                               .astype(np.uint8), "RGBA")
    for layer in layers:
        overlay = png(client.get(layer.replace("&amp;", "&").replace("{n}", "1")))
        assert (overlay[..., 3] > 0).sum() > 20  # every layer draws something here
        composed.alpha_composite(Image.fromarray(overlay.astype(np.uint8), "RGBA"))
    expected = np.asarray(render(dcmread(image_path), dcmread(gsps)).image).astype(int)
    got = np.asarray(composed.convert("RGB")).astype(int)
    assert (np.abs(got - expected).max(axis=2) <= 1).mean() > 0.995


def test_seg_segments_are_drawn_over_their_source_image(client: TestClient, view_data: ViewData) -> None:
    page = client.get(url("file", view_data.rel(view_data.seg_source))).text
    assert "segmentation" in page and "Nodule &lt;b&gt;1&lt;/b&gt;" in page
    overlay = re.search(r'data-overlay="segment-[^"]+" data-src="([^"]+)"', page)
    mask = png(client.get(overlay.group(1).replace("&amp;", "&").replace("{n}", "1")))
    drawn = mask[..., 3] > 0
    assert drawn[40:80, 30:70].all() and drawn.sum() == 40 * 40
    seg_page = client.get(url("file", view_data.rel(view_data.seg))).text
    assert 'data-overlay="segment-' in seg_page  # the SEG's own page shows it over its source


def test_the_pdf_is_served_as_pdf_in_a_sandbox(client: TestClient, view_data: ViewData) -> None:
    rel = view_data.rel(view_data.results_file("pdf"))
    response = client.get(url("document", rel))
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-security-policy"].startswith("sandbox")
    proc = run_cli("extract", str(view_data.results_file("pdf")), "-o", str(view_data.root.parent / "x.pdf"))
    assert proc.returncode == 0
    assert response.content == (view_data.root.parent / "x.pdf").read_bytes()
    assert client.get(url("document", view_data.rel(view_data.results_file("ct")))).status_code == 404


# ---------------------------------------------------------------------------- escaping


def test_values_from_a_file_are_escaped(client: TestClient, view_data: ViewData) -> None:
    html = client.get(url("file", view_data.rel(view_data.injection))).text
    for value in (*INJECTIONS.values(), PRIVATE_CREATOR, PRIVATE_VALUE):
        assert value not in html, value
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;img src=x onerror=alert(4)&gt;" in html
    assert len(re.findall(r"<script\b", html)) == 1  # ours, from view.js
    folder = client.get("/").text
    assert INJECTIONS["PatientName"] not in folder and INJECTIONS["StudyDescription"] not in folder
