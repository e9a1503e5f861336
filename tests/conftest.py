import os

# Deterministic, colourless CLI output in every test.
os.environ.setdefault("NO_COLOR", "1")
