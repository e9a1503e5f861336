"""``dicomhelp view PATH``: a file, a study or a result set in the browser, every element explained."""

from __future__ import annotations

import click

from dicomhelp.cli.common import json_option, print_json, progress_bar

EPILOG = """\b
Examples:
  dicomhelp view CT.dcm                       one file: its image, its elements, what each means
  dicomhelp view tour-output/results          a result set: patients, studies, series, verdicts
  dicomhelp view study/ --port 8765 --no-browser
  dicomhelp view tour-output/results --export site   a static site: open site/index.html

\b
The server listens on 127.0.0.1 only and every request needs the token in the
URL it prints (other users and web pages cannot read the files); it serves
only the DICOM files under PATH. Ctrl-C stops it.
Exit codes: 0 export written; 1 PATH holds no DICOM file; 2 usage error
(missing PATH, port in use, export folder not empty); 130 stopped by Ctrl-C,
143 by SIGTERM.
"""


@click.command("view", epilog=EPILOG, context_settings={"max_content_width": 100})
@click.argument("path", type=click.Path())
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default="a free port",
              help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but 127.0.0.1/localhost lets other machines reach the "
                   "files (the token is still needed): only widen it on purpose.")
@click.option("--no-browser", is_flag=True, help="Do not open the browser; just print the URL.")
@click.option("--export", "export_dir", type=click.Path(file_okay=False), default=None,
              help="Write the pages as a static site into this new folder instead of serving them.")
@click.option("--no-validate", is_flag=True, help="Leave out the validation verdicts (faster on big folders).")
@json_option
def command(path: str, port: int, host: str, no_browser: bool, export_dir: str | None, no_validate: bool,
            as_json: bool) -> None:
    """Show PATH (a DICOM file, a folder, a DICOMDIR's folder) in the browser.

    Folders are listed as patient → study → series → instance with each
    instance's validation verdict; an instance shows its image (every frame,
    window adjustable), SR content, GSPS annotations, SEG overlays or PDF next
    to its element tree, and what any element means.
    """
    from dicomhelp.cli.common import warn
    from dicomhelp.view.index import build_index

    update, stop = progress_bar("reading and checking files", disabled=as_json)
    try:
        index = build_index(path, validate=not no_validate, progress=update)
    finally:
        stop()
    if export_dir is not None:
        _export(index, export_dir, as_json)
        return
    if host not in ("127.0.0.1", "localhost", "::1"):
        warn(f"listening on {host}: other machines that can reach it may read these files with the token")
    _serve(index, host, port, no_browser, as_json)


def _export(index, export_dir: str, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    from dicomhelp.view.export import export_site

    update, stop = progress_bar("writing pages and frames", disabled=as_json)
    try:
        written = export_site(index, export_dir, progress=update)
    finally:
        stop()
    home = written.out / "index.html"
    summary = {"index": str(home), "files": len(index.entries), "unreadable": len(index.unreadable),
               "pages": written.pages, "pictures": written.pictures, "documents": written.documents}
    if as_json:
        print_json(summary)
        return
    click.echo(f"wrote {home}: {written.pages} page(s), {written.pictures} picture(s) for {len(index.entries)} "
               f"file(s); open it in a browser (no server needed): {home.resolve().as_uri()}")


def _serve(index, host: str, port: int, no_browser: bool, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    import json
    import sys

    from dicomhelp.view.server import Listening, serve

    def ready(listening: Listening) -> None:
        files = len(index.entries)
        if as_json:
            click.echo(json.dumps({"url": listening.url, "host": listening.host, "port": listening.port,
                                   "token": listening.token, "files": files}))
        else:
            click.echo(f"dicomhelp view: {files} file(s) of {index.root} at {listening.url}")
            click.echo("(only this URL opens them: it holds the token; Ctrl-C stops the server)")
        sys.stdout.flush()
        if not no_browser:
            import webbrowser

            webbrowser.open(listening.url)

    serve(index, host=host, port=port, on_ready=ready)
