"""The compiled index: one SQLite file in the user's cache folder.

A warm lookup opens the file and reads the few rows it needs, so it pays
neither for importing pydicom nor for highdicom's 22 MB tables. The file name
carries a fingerprint of the installed sources (their versions, as recorded by
the files pip wrote); when one changes, the index is rebuilt. A file that
cannot be read (corrupt, truncated, wrong schema) is rebuilt too.
``DICOMHELP_CACHE_DIR`` overrides the folder (the tests use a temporary one).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

SCHEMA = 9  # bump when the sections or the records change
SOURCES = ("pydicom", "highdicom", "dicom_standard")
# dicomhelp's own data files compiled into the index (a regenerated one must rebuild it).
DATA_FILES = ("ps316_usage.json", "templates.json", "dcm_definitions.json")


def cache_dir() -> Path:
    override = os.environ.get("DICOMHELP_CACHE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("dicomhelp", appauthor=False))


def fingerprint() -> str:
    """Which sources (and which of their installs) the index is compiled from.

    Cheap on purpose (no importlib.metadata, no imports): each source's package
    folder, its dist-info folder name (which carries the version) and the
    modification time of its ``__init__.py``. Upgrading, downgrading, installing
    or removing a source changes it, and so does regenerating one of dicomhelp's own
    data files the index compiles (``DATA_FILES``: their size and modification time).
    """
    from importlib.util import find_spec

    parts = [f"schema={SCHEMA}"]
    for name in SOURCES:
        spec = find_spec(name)
        if spec is None or not spec.origin:
            parts.append(f"{name}=absent")
            continue
        origin = Path(spec.origin)
        site = origin.parent.parent
        prefix = name.replace("_", "-").lower()
        dists = sorted(p.name for p in _dist_infos(site) if p.name.lower().replace("_", "-").startswith(prefix + "-"))
        parts.append(f"{name}={origin}:{origin.stat().st_mtime_ns}:{','.join(dists)}")
    data = Path(__file__).resolve().parent.parent / "data" / "standard"
    for name in DATA_FILES:
        try:
            stat = (data / name).stat()
            parts.append(f"{name}={stat.st_size}:{stat.st_mtime_ns}")
        except OSError:
            parts.append(f"{name}=absent")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _dist_infos(site: Path) -> list[Path]:
    try:
        return [p for p in site.iterdir() if p.name.endswith(".dist-info")]
    except OSError:
        return []


def _dump(value: Any) -> bytes:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    # Big rows (a module's attributes, an attribute's uses) compress 5-10x.
    return b"z" + zlib.compress(data, 6) if len(data) > 512 else b"p" + data


def _load(blob: bytes) -> Any:
    return pickle.loads(zlib.decompress(blob[1:]) if blob[:1] == b"z" else blob[1:])


class Index:
    """Read-only access to the sections of a compiled index, row by row."""

    def __init__(self, path: Path) -> None:
        self.path = path
        uri = f"{path.resolve().as_uri()}?mode=ro"  # as_uri quotes spaces and '#' in user folders
        self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        row = self._db.execute("SELECT value FROM kv WHERE section='meta' AND key='schema'").fetchone()
        if row is None or _load(row[0]) != SCHEMA:
            raise sqlite3.DatabaseError("wrong schema")

    def get(self, section: str, key: str) -> Any:
        row = self._db.execute("SELECT value FROM kv WHERE section=? AND key=?", (section, key)).fetchone()
        return _load(row[0]) if row else None

    def keys(self, section: str) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT key FROM kv WHERE section=?", (section,))]

    def close(self) -> None:
        self._db.close()


def open_index(builder: Callable[[], dict[str, dict[str, Any]]] | None = None,
               fingerprint_fn: Callable[[], str] = fingerprint) -> Index:
    """The index for the installed sources: reuse it, else (re)build it."""
    folder = cache_dir()
    name = f"index-{fingerprint_fn()}.sqlite"
    path = folder / name
    for candidate in (path, _fallback_dir() / name):
        if candidate.exists():
            try:
                return Index(candidate)
            except sqlite3.DatabaseError:
                pass  # corrupt or stale: rebuild below
    if builder is None:
        from dicomhelp.standard.build import build as builder
    sections = builder()
    try:
        write(path, sections)
    except OSError:
        # A read-only or full cache folder: use the temporary folder, never fail the lookup.
        folder = _fallback_dir()
        path = folder / name
        write(path, sections)
    for old in folder.glob("index-*.sqlite"):
        if old != path:
            try:
                old.unlink()
            except OSError:
                pass
    return Index(path)


def _fallback_dir() -> Path:
    import getpass

    try:
        user = getpass.getuser()
    except Exception:  # no user name in some containers
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    return Path(tempfile.gettempdir()) / f"dicomhelp-{user}"


def write(path: Path, sections: dict[str, dict[str, Any]]) -> None:
    """Write atomically: concurrent first uses each build and the last rename wins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".index-", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        db = sqlite3.connect(tmp)
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("CREATE TABLE kv (section TEXT, key TEXT, value BLOB, PRIMARY KEY (section, key)) WITHOUT ROWID")
        rows = [(section, key, _dump(value))
                for section, table in sections.items() for key, value in table.items()]
        rows.append(("meta", "schema", _dump(SCHEMA)))
        db.executemany("INSERT OR REPLACE INTO kv VALUES (?, ?, ?)", rows)
        db.commit()
        db.close()
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
