"""The compiled index: rebuilt when a source version changes and when the cache is corrupt."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dicomhelp.standard import index as index_module
from dicomhelp.standard.knowledge import Knowledge


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DICOMHELP_CACHE_DIR", str(tmp_path))
    return tmp_path


def _tiny_build() -> dict[str, dict[str, object]]:
    """A stand-in for the 3 s build: these tests are about the cache, not the content."""
    from dicomhelp.standard.model import AttributeInfo

    _tiny_build.calls += 1  # type: ignore[attr-defined]
    return {"attr": {"00100010": AttributeInfo(0x00100010, "PatientName", "Patient's Name", "PN", "1", False)},
            "kw": {"PatientName": "00100010"}}


_tiny_build.calls = 0  # type: ignore[attr-defined]


def test_index_is_reused_while_the_sources_are_unchanged(cache: Path) -> None:
    before = _tiny_build.calls  # type: ignore[attr-defined]
    first = index_module.open_index(_tiny_build, fingerprint_fn=lambda: "aaaa")
    second = index_module.open_index(_tiny_build, fingerprint_fn=lambda: "aaaa")
    assert _tiny_build.calls == before + 1  # type: ignore[attr-defined]
    assert Knowledge(second).attribute("PatientName").vr == "PN"
    first.close()
    second.close()


def test_index_is_rebuilt_when_a_source_version_changes(cache: Path) -> None:
    before = _tiny_build.calls  # type: ignore[attr-defined]
    index_module.open_index(_tiny_build, fingerprint_fn=lambda: "v1").close()
    index_module.open_index(_tiny_build, fingerprint_fn=lambda: "v2").close()
    assert _tiny_build.calls == before + 2  # type: ignore[attr-defined]
    # The stale index is removed, not left to pile up.
    assert [p.name for p in cache.glob("index-*.sqlite")] == ["index-v2.sqlite"]


def test_fingerprint_follows_the_installed_versions(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A new dist-info folder (what pip writes on upgrade) changes the fingerprint."""
    real = index_module.fingerprint()
    assert real == index_module.fingerprint()
    monkeypatch.setattr(index_module, "_dist_infos",
                        lambda site: [tmp_path / "pydicom-9.9.9.dist-info", tmp_path / "highdicom-9.dist-info",
                                      tmp_path / "dicom_standard-9.dist-info"])
    assert index_module.fingerprint() != real


@pytest.mark.parametrize("name", index_module.DATA_FILES)
def test_fingerprint_follows_dicomhelps_own_data_files(name: str) -> None:
    """Regenerating a data file the index compiles (scripts/build_*.py) rebuilds the index."""
    assert "dcm_definitions.json" in index_module.DATA_FILES
    path = Path(index_module.__file__).resolve().parent.parent / "data" / "standard" / name
    before = path.stat()
    real = index_module.fingerprint()
    try:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
        assert index_module.fingerprint() != real
    finally:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert index_module.fingerprint() == real


@pytest.mark.parametrize("garbage", [b"", b"not a database at all" * 100, b"SQLite format 3\x00" + b"\x00" * 50])
def test_a_corrupt_cache_is_rebuilt_not_crashed_on(cache: Path, garbage: bytes) -> None:
    (cache / "index-bad1.sqlite").write_bytes(garbage)
    before = _tiny_build.calls  # type: ignore[attr-defined]
    idx = index_module.open_index(_tiny_build, fingerprint_fn=lambda: "bad1")
    assert _tiny_build.calls == before + 1  # type: ignore[attr-defined]
    assert Knowledge(idx).attribute(0x00100010).keyword == "PatientName"
    idx.close()


def test_a_corrupt_cache_is_rebuilt_by_the_cli(k: object, tmp_path: Path) -> None:
    """End to end: garbage in the real index file, and `explain` still answers (after a rebuild)."""
    from support import run_cli

    cache = tmp_path / "c"
    cache.mkdir()
    fingerprint = index_module.fingerprint()
    (cache / f"index-{fingerprint}.sqlite").write_bytes(b"garbage" * 1000)
    proc = run_cli("explain", "PatientName", env={"DICOMHELP_CACHE_DIR": str(cache)})
    assert proc.returncode == 0, proc.stderr
    assert "Patient's Name (0010,0010)" in proc.stdout
    assert (cache / f"index-{fingerprint}.sqlite").stat().st_size > 1_000_000


def test_an_unwritable_cache_folder_falls_back_to_the_temporary_folder(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("DICOMHELP_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setattr(index_module.tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    idx = index_module.open_index(_tiny_build, fingerprint_fn=lambda: "ro1")
    assert Knowledge(idx).attribute("PatientName").tag == 0x00100010
    assert idx.path.parent.parent == tmp_path / "tmp"
    idx.close()


def test_a_cache_folder_with_spaces_and_hashes_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "my cache #1"
    monkeypatch.setenv("DICOMHELP_CACHE_DIR", str(folder))
    idx = index_module.open_index(_tiny_build, fingerprint_fn=lambda: "sp1")
    assert Knowledge(idx).attribute("PatientName").tag == 0x00100010
    idx.close()


def test_without_the_dicom_standard_package_everything_works_minus_the_prose(
        cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dicomhelp.standard import build as build_module
    from dicomhelp.standard.explain import explain, render

    monkeypatch.setattr(build_module.prose, "locate", lambda: None)
    idx = index_module.open_index(build_module.build, fingerprint_fn=lambda: "noprose")
    k = Knowledge(idx)
    assert k.attribute("PatientName").description is None
    assert k.brief(0x00100010) == "Patient's Name (Person Name)"
    iod = k.iod_for_sop_class("1.2.840.10008.5.1.4.1.1.2")
    assert iod.name == "CT Image" and {m.module_id: m.usage for m in iod.modules}["contrast-bolus"] == "C"
    assert k.iod("CT Image") == iod and k.module("General Equipment").id == "general-equipment"
    assert [s.name for s in k.sources()][:2] == ["pydicom", "highdicom"]
    assert "dicom-standard" not in [s.name for s in k.sources()]
    for term in ("RelationshipType", "Enhanced SR", "SOP Common", "CID 244", "TID 1500", "DA"):
        assert render(explain(term, k))
    # The PS3.15 table is shipped with dicomhelp: it does not need the prose package.
    assert explain("PatientName", k)["deidentification"]["action"] == "Z"
    idx.close()
