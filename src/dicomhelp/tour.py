"""The tour: the main job on built-in sample data, one step after another.

The tour is a list of :class:`Step` (a title and a function of the shared
:class:`TourContext`). Each capability adds its step to :data:`STEPS` (or with
:func:`add_step`), so ``dicomhelp tour`` grows into: copy the sample study,
create a result set for it, validate it, show it. Everything a step writes goes
under ``context.out``; what it shows goes through ``context.echo``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# Shipped in pydicom's wheel: a Structured Report with every value type.
SAMPLE_SR = "test-SR.dcm"


@dataclass
class TourContext:
    """What the steps share: the output folder, the printer, what earlier steps made."""

    out: Path
    echo: Callable[[str], None] = print
    study: list[Path] = field(default_factory=list)  # the sample study copied under out/study
    made: dict[str, list[Path]] = field(default_factory=dict)  # files later steps create, by kind


@dataclass
class Step:
    """One step of the tour: a short title and the function that does it."""

    title: str
    run: Callable[[TourContext], None]


def copy_sample_study(ctx: TourContext) -> None:
    from dicomhelp.samples import make_sample_study

    ctx.study = make_sample_study(ctx.out / "study")
    ctx.echo(f"wrote {len(ctx.study)} CT images with fresh UIDs to {ctx.out / 'study'}/")


def dump_sample_image(ctx: TourContext) -> None:
    from dicomhelp.inspect import dump_lines
    from dicomhelp.io import read_file

    path = ctx.study[0] if ctx.study else None
    if path is None:
        from dicomhelp.io import sample_file

        path = sample_file("CT_small.dcm")
    ctx.echo(f"$ dicomhelp dump {path} --no-private")
    for line in dump_lines(read_file(path), private=False, max_value_length=80):
        ctx.echo(line)


def show_sample_sr(ctx: TourContext) -> None:
    from dicomhelp.inspect.srview import render_sr
    from dicomhelp.io import read_file, sample_file

    path = sample_file(SAMPLE_SR)
    ctx.echo(f"$ dicomhelp sr {path}")
    for line in render_sr(read_file(path).dataset):
        ctx.echo(line)


STEPS: list[Step] = [
    Step("Copy the sample study (fresh UIDs each run)", copy_sample_study),
    Step("dump: what is inside a CT image", dump_sample_image),
    Step("sr: the content tree of a Structured Report", show_sample_sr),
]


def _results_step(name: str) -> Callable[[TourContext], None]:
    """A step of dicomhelp.create.results, imported only when the tour runs it."""

    def run(ctx: TourContext) -> None:
        from dicomhelp.create import results

        getattr(results, name)(ctx)

    return run


# The main job: a whole AI result set for the sample study from the shipped spec, validated as a
# set, its GSPS rendered, its SR shown.
STEPS += [
    Step("create results: SR + GSPS + multi-frame SC + PDF from one spec, validated as a set",
         _results_step("tour_create_results")),
    Step("render: the GSPS on the image it annotates", _results_step("tour_render_preview")),
    Step("sr: the report of the result set", _results_step("tour_show_sr")),
]


def dump_created(ctx: TourContext) -> None:
    """The multi-frame SC and the PDF as dump shows them, without sequences' contents."""
    from dicomhelp.inspect import dump_lines
    from dicomhelp.io import read_file

    for kind in ("sc", "pdf"):
        for path in ctx.made.get(kind, []):
            ctx.echo(f"$ dicomhelp dump {path} --no-meta --depth 0")
            for line in dump_lines(read_file(path), meta=False, max_depth=0, max_value_length=80):
                ctx.echo(line)
            ctx.echo("")


def validate_created(ctx: TourContext) -> None:
    """Everything the tour made, validated as one set (study copy included)."""
    from dicomhelp.validate import render_run, validate_paths

    folder = ctx.out / "results"
    ctx.echo(f"$ dicomhelp validate {folder} --as-set")
    run = validate_paths([folder], as_set=True, jobs=1)
    for line in render_run(run):
        ctx.echo(line)


def explain_a_term(ctx: TourContext) -> None:
    """What one element of the SR means, and where the standard defines it."""
    from dicomhelp.standard.explain import explain, render

    ctx.echo("$ dicomhelp explain RelationshipType")
    for line in render(explain("RelationshipType")).splitlines():
        ctx.echo(line)


STEPS += [
    Step("dump: the multi-frame Secondary Capture (JPEG-LS) and the PDF report", dump_created),
    Step("validate: every object of the result set, as a set", validate_created),
    Step("explain: what an element means and where the standard defines it", explain_a_term),
]


def send_to_a_receiver(ctx: TourContext) -> None:
    """The result set sent by C-STORE to a receiver the tour starts on a free loopback port and then stops."""
    import socket

    from dicomhelp.net import parse_peer, send_paths, start_receiver

    with socket.socket() as s:  # a free port; the receiver binds it a moment later
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    folder, received = ctx.out / "results", ctx.out / "received"
    arrivals: list[str] = []
    ctx.echo(f"$ dicomhelp receive -o {received} --port {port} --aet TOUR_PACS &")
    server = start_receiver(received, port=port, aet="TOUR_PACS", on_arrival=lambda a: arrivals.append(a.line()))
    try:
        ctx.echo(f"$ dicomhelp send {folder} TOUR_PACS@127.0.0.1:{port} --journal {ctx.out / 'send.jsonl'}")
        report = send_paths([str(folder)], parse_peer(f"TOUR_PACS@127.0.0.1:{port}"), resend=True,
                            journal=ctx.out / "send.jsonl", on_result=lambda r: ctx.echo(r.line()))
    finally:
        server.shutdown()
    ctx.echo(report.summary())
    ctx.echo("what the receiver printed, one line per instance:")
    for line in arrivals:
        ctx.echo(f"  {line}")


STEPS += [Step("send: the result set to a PACS (here a receiver started for the tour)", send_to_a_receiver)]


def export_for_the_browser(ctx: TourContext) -> None:
    """The result set as pages that open from disk: what ``dicomhelp view`` serves, as files."""
    from dicomhelp.view.export import export_site
    from dicomhelp.view.index import build_index

    folder, out = ctx.out / "results", ctx.out / "view"
    ctx.echo(f"$ dicomhelp view {folder} --export {out}")
    written = export_site(build_index(folder, jobs=1), out, replace=True)
    home = written.out / "index.html"
    ctx.echo(f"wrote {home}: {written.pages} page(s), {written.pictures} picture(s)")
    ctx.echo(f"Open it in a browser (no server needed): {home.resolve().as_uri()}")
    ctx.echo(f"or run `dicomhelp view {folder}` for a live server (any window, any frame).")


STEPS += [Step("view: the result set in the browser, every element explained", export_for_the_browser)]


def add_step(step: Step, *, before: str | None = None) -> None:
    """Add a step at the end, or before the step titled ``before``."""
    if before is None:
        STEPS.append(step)
        return
    index = next((i for i, s in enumerate(STEPS) if s.title == before), len(STEPS))
    STEPS.insert(index, step)


def run_tour(out: str | Path, *, echo: Callable[[str], None] = print, steps: list[Step] | None = None) -> TourContext:
    """Run every step in order with short headings; return the context (what was made)."""
    ctx = TourContext(out=Path(out), echo=echo)
    ctx.out.mkdir(parents=True, exist_ok=True)
    todo = STEPS if steps is None else steps
    for number, step in enumerate(todo, start=1):
        echo(f"== {number}. {step.title} ==")
        step.run(ctx)
        echo("")
    echo(f"Done: everything the tour wrote is in {ctx.out}/")
    return ctx
