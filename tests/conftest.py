import os

import pytest

# Deterministic, colourless CLI output in every test.
os.environ.setdefault("NO_COLOR", "1")


def pytest_sessionstart(session: pytest.Session) -> None:
    """Build the knowledge index once, before xdist workers start.

    On a fresh machine every worker would otherwise build it at the same time;
    that is safe (atomic writes) but slow, and it keeps first-use races out of
    tests that are about something else.
    """
    if hasattr(session.config, "workerinput"):
        return
    from dicomhelp.standard import knowledge

    knowledge().attribute("PatientName")
