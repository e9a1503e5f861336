"""``dicomhelp view PATH --export DIR``: the same pages as a static site that opens from disk.

The templates are the server's; only the links differ (:class:`ExportLinks`).
What the server renders on request is written as files: every frame at each
window preset (the first :data:`~dicomhelp.view.pages.EXPORT_ALL_PRESETS_UP_TO`
frames; longer multi-frames at their default window), each GSPS layer, SR
region and SEG segment as an overlay, each encapsulated document, and every
explanation a page can show (embedded in it). The site is written into a
temporary folder and renamed into place, so DIR is complete or absent.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from dicomhelp.errors import DicomHelpError, UsageError
from dicomhelp.view.html import Links, render_folder, render_instance
from dicomhelp.view.index import Entry, FolderIndex
from dicomhelp.view.pages import EXPORT_ALL_PRESETS_UP_TO, explanation, instance_page


@dataclass(frozen=True)
class Variant:
    """One instance page: plain, through a presentation state, or with an SR region drawn."""

    entry: str
    ps: str | None = None
    region: str | None = None
    item: str | None = None

    @property
    def name(self) -> str:
        parts = [self.entry]
        if self.ps:
            parts.append(f"ps-{self.ps}")
        if self.region:
            parts.append(f"region-{self.region}-{self.item}")
        return "-".join(parts) + ".html"


@dataclass
class Written:
    out: Path
    pages: int = 0
    pictures: int = 0
    documents: int = 0


class ExportLinks(Links):
    """Links to the files of the export, relative to the page (``base`` is ``""`` or ``"../"``)."""

    export = True

    def __init__(self, index: FolderIndex) -> None:
        super().__init__()
        self.index = index
        self.base = ""
        self.wanted: dict[Variant, None] = {}

    def home(self) -> str:
        return f"{self.base}index.html"

    def static(self, name: str) -> str:
        return f"{self.base}static/{name}"

    def instance(self, entry: Entry, **query: Any) -> str:
        def ident(value: Any) -> str | None:
            return value.id if isinstance(value, Entry) else None

        variant = Variant(entry.id, ident(query.get("ps")), ident(query.get("region")),
                          str(query["item"]) if query.get("region") is not None and query.get("item") else None)
        self.wanted.setdefault(variant, None)
        return f"{self.base}files/{variant.name}"

    def frame(self, entry: Entry, ps: Entry | None = None) -> str:
        return f"{self.base}frames/{entry.id}{'-ps-' + ps.id if ps else ''}/{{n}}-{{p}}.png"

    def layer(self, ps: Entry, image: Entry, layer: dict[str, Any]) -> str:
        return f"{self.base}frames/{image.id}-layer-{ps.id}-{layer['index']}/{{n}}.png"

    def region(self, sr: Entry, position: str, image: Entry, ps: Entry | None = None) -> str:
        return f"{self.base}frames/{image.id}-region-{sr.id}-{position}{'-ps-' + ps.id if ps else ''}.png"

    def segment(self, seg: Entry, image: Entry, number: int, ps: Entry | None = None) -> str:
        return f"{self.base}frames/{image.id}-seg-{seg.id}-{number}{'-ps-' + ps.id if ps else ''}/{{n}}.png"

    def document(self, entry: Entry) -> str:
        from dicomhelp.view.app import DOCUMENT_TYPES

        return f"{self.base}documents/{entry.id}.{DOCUMENT_TYPES.get(entry.sop_class, ('', 'bin'))[1]}"

    def dump(self, entry: Entry) -> str | None:
        return None

    def validate(self, entry: Entry) -> str | None:
        return None


def export_site(index: FolderIndex, out: str | os.PathLike[str], *, replace: bool = False,
                progress: Callable[[int, int], None] | None = None) -> Written:
    """Write the site for ``index`` into the folder ``out`` (which must not exist, or be empty).

    ``replace``: an earlier export at ``out`` (the tour's) is replaced once the new one is complete.
    """
    target = Path(out)
    previous = replace and (target / "index.html").is_file() and (target / "static" / "view.js").is_file()
    if target.exists() and not previous and (not target.is_dir() or any(target.iterdir())):
        raise UsageError("already exists and is not an empty folder", source=str(target),
                         hint="name a new folder for the export")
    if target.resolve().is_relative_to(index.root) and not index.single_file:
        raise UsageError("the export cannot go inside the folder being viewed", source=str(target),
                         hint="name a folder outside it")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        written = _write(index, work, progress)
        if previous:
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            target.rename(old)
            work.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            if target.exists():
                target.rmdir()
            work.rename(target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    written.out = target
    return written


def _write(index: FolderIndex, work: Path, progress: Callable[[int, int], None] | None) -> Written:
    from dicomhelp.io import quiet_pydicom

    links = ExportLinks(index)
    written = Written(work)
    for sub in ("files", "frames", "documents", "static"):
        (work / sub).mkdir()
    for name in ("view.css", "view.js"):
        (work / "static" / name).write_bytes(files("dicomhelp.view").joinpath("static", name).read_bytes())
    (work / "index.html").write_text(render_folder(index, links), encoding="utf-8")
    written.pages += 1
    for entry in index.entries:
        links.wanted.setdefault(Variant(entry.id), None)
    done: set[Variant] = set()
    pictures: list[tuple[Path, Callable[[], bytes]]] = []
    with quiet_pydicom():
        while len(done) < len(links.wanted):
            for variant in [v for v in links.wanted if v not in done]:
                done.add(variant)
                pictures.extend(_page(index, links, variant, work, written))
                if progress:
                    progress(len(done), len(links.wanted) + len(pictures))
        total = len(done) + len(pictures)
        for number, (path, make) in enumerate(pictures, start=len(done) + 1):
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                path.write_bytes(make())
                written.pictures += 1
            except DicomHelpError:
                pass  # the page already says why this frame cannot be shown
            if progress:
                progress(number, total)
    return written


def _page(index: FolderIndex, links: ExportLinks, variant: Variant, work: Path,
          written: Written) -> list[tuple[Path, Callable[[], bytes]]]:
    from dicomhelp.view import frames as F

    entry = index.by_id(variant.entry)
    assert entry is not None
    ps = index.by_id(variant.ps) if variant.ps else None
    sr = index.by_id(variant.region) if variant.region else None
    region = (sr, variant.item or "") if sr is not None else None
    page = instance_page(index, entry, ps=ps, region=region)
    view = page.image
    limit = None
    todo: list[tuple[Path, Callable[[], bytes]]] = []
    links.base = "../"
    if view is not None:
        limit = len(view.presets) if view.frames <= EXPORT_ALL_PRESETS_UP_TO else 1
        image, state = view.entry, view.ps
        for n in range(1, view.frames + 1):
            for p, preset in enumerate(view.presets[:limit]):
                window = (preset.center, preset.width) if preset.center is not None else None
                url = links.frame(image, state).replace("{n}", str(n)).replace("{p}", str(p))
                todo.append((work / url[3:], _bind(F.frame_png, index, image, n, window=window, ps=state)))
            for layer in view.layers:
                url = links.layer(state, image, layer).replace("{n}", str(n))  # type: ignore[arg-type]
                todo.append((work / url[3:], _bind(F.layer_png, index, state, image, layer["name"], n)))
            for s in view.segments:
                url = links.segment(s["seg"], image, s["number"], state).replace("{n}", str(n))
                todo.append((work / url[3:], _bind(F.segment_png, index, s["seg"], image, s["number"], n, state)))
        if view.region:
            url = links.region(view.region["sr"], view.region["position"], image, state)
            todo.append((work / url[3:], _bind(F.region_png, index, view.region["sr"], view.region["position"],
                                               image, state)))
    if entry.kind in ("pdf", "document") and page.dfile is not None:
        from dicomhelp.view.app import encapsulated_document

        try:
            data, _mime = encapsulated_document(index, entry)
            (work / links.document(entry)[3:]).write_bytes(data)
            written.documents += 1
        except DicomHelpError:
            pass
    explanations = [explanation(key, entry.sop_class) for key in page.keys()]
    html = render_instance(page, links, explanations=explanations, presets=limit)
    links.base = ""
    (work / "files" / variant.name).write_text(html, encoding="utf-8")
    written.pages += 1
    return todo


def _bind(func: Callable[..., bytes], *args: Any, **kwargs: Any) -> Callable[[], bytes]:
    return lambda: func(*args, **kwargs)
