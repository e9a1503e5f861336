"""``dicomhelp view``: a file, a study or a result set in the browser, every element explained.

- :mod:`~dicomhelp.view.index`: the folder index, built from headers (pixel data never loaded);
- :mod:`~dicomhelp.view.pages`: what each page shows, from the CLI's own models;
- :mod:`~dicomhelp.view.frames`: frames and overlays as PNG, one frame decoded at a time;
- :mod:`~dicomhelp.view.html`: the Jinja2 templates (autoescape on) and the two link schemes;
- :mod:`~dicomhelp.view.app`: the Starlette app behind a token;
- :mod:`~dicomhelp.view.server`: binding 127.0.0.1 and running uvicorn;
- :mod:`~dicomhelp.view.export`: the same pages as a static site that opens from disk.

>>> from dicomhelp.view.index import build_index
>>> from dicomhelp.view.export import export_site
>>> export_site(build_index("tour-output/results"), "site")
"""
