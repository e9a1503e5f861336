"""The pages as HTML: one Jinja2 environment (autoescape on) for the server and the static export.

The two differ only in their :class:`Links`: the server's point at routes that
render on request (any frame, any window), the export's at files written
next to the pages (every frame at each window preset, explanations embedded).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from dicomhelp.view.index import Entry, FolderIndex
from dicomhelp.view.pages import TYPE_WORDS, USAGE_WORDS, Explanation, InstancePage, explanation_id

if TYPE_CHECKING:
    from jinja2 import Environment
    from markupsafe import Markup

# No inline script or style anywhere: the pages work under this policy, from the server and from disk.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "frame-src 'self'; object-src 'none'; connect-src 'self'; base-uri 'none'; form-action 'none'")
# frame-ancestors only works as a header (the server sends it); in a <meta> it is an error.
CSP_HEADER = CSP + "; frame-ancestors 'self'"


@lru_cache(maxsize=1)
def environment() -> Environment:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("dicomhelp.view", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(TYPE_WORDS=TYPE_WORDS, USAGE_WORDS=USAGE_WORDS, CSP=CSP, explanation_id=explanation_id)
    env.filters["number"] = _number
    return env


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


class Links:
    """Where a page's links, pictures and scripts are (the server's routes)."""

    export = False

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix

    def _q(self, rel: str) -> str:
        return quote(rel)

    def home(self) -> str:
        return f"{self.prefix}/"

    def static(self, name: str) -> str:
        return f"{self.prefix}/static/{name}"

    def instance(self, entry: Entry, **query: Any) -> str:
        params = {k: (v.rel if isinstance(v, Entry) else v) for k, v in query.items() if v is not None}
        return f"{self.prefix}/file/{self._q(entry.rel)}" + (f"?{urlencode(params)}" if params else "")

    def frame(self, entry: Entry, ps: Entry | None = None) -> str:
        extra = f"&ps={quote(ps.rel)}" if ps is not None else ""
        return f"{self.prefix}/frame/{self._q(entry.rel)}?n={{n}}&wc={{c}}&ww={{w}}{extra}"

    def layer(self, ps: Entry, image: Entry, layer: dict[str, Any]) -> str:
        return (f"{self.prefix}/layer/{self._q(ps.rel)}?" + urlencode({"image": image.rel, "layer": layer["name"]})
                + "&n={n}")

    def region(self, sr: Entry, position: str, image: Entry, ps: Entry | None = None) -> str:
        params = {"item": position, "image": image.rel, **({"ps": ps.rel} if ps is not None else {})}
        return f"{self.prefix}/region/{self._q(sr.rel)}?{urlencode(params)}"

    def segment(self, seg: Entry, image: Entry, number: int, ps: Entry | None = None) -> str:
        params = {"image": image.rel, "number": number, **({"ps": ps.rel} if ps is not None else {})}
        return f"{self.prefix}/segment/{self._q(seg.rel)}?{urlencode(params)}&n={{n}}"

    def document(self, entry: Entry) -> str:
        return f"{self.prefix}/document/{self._q(entry.rel)}"

    def dump(self, entry: Entry) -> str | None:
        return f"{self.prefix}/api/dump/{self._q(entry.rel)}"

    def validate(self, entry: Entry) -> str | None:
        return f"{self.prefix}/api/validate/{self._q(entry.rel)}"

    def explain(self) -> str:
        return f"{self.prefix}/explain"


def render_folder(index: FolderIndex, links: Links) -> str:
    return environment().get_template("folder.html").render(index=index, links=links, page_title=_title(index))


def _title(index: FolderIndex) -> str:
    return f"{index.root.name or index.root} — dicomhelp view"


def render_instance(page: InstancePage, links: Links, *, explanations: list[Explanation] | None = None,
                    presets: int | None = None) -> str:
    """The instance page; ``explanations`` embedded (the export), ``presets``: how many window presets exist."""
    image = page.image
    if image is not None and presets is not None:
        image.presets = image.presets[:presets]
    return environment().get_template("instance.html").render(
        page=page, entry=page.entry, index=page.index, links=links, explanations=embedded(explanations or []),
        page_title=f"{page.entry.name} — dicomhelp view")


def render_explanation(explanation: Explanation) -> str:
    return _rendered(explanation)


@lru_cache(maxsize=8192)
def _rendered(explanation: Explanation) -> str:
    # Explanations are immutable answers of the knowledge layer: each is rendered once per process.
    return environment().get_template("explain.html").render(x=explanation)


def embedded(explanations: list[Explanation]) -> list[tuple[str, Markup]]:
    """(id, HTML) of each explanation, for a page that carries them (the export)."""
    from markupsafe import Markup

    return [(x.id, Markup(_rendered(x))) for x in explanations]  # our own autoescaped output


def render_error(message: str, links: Links, status: int = 404) -> str:
    return environment().get_template("error.html").render(message=message, links=links, status=status,
                                                         page_title=f"{status} — dicomhelp view")
