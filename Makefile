# elearn – the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
RALPH_VENV := .venv-ralph
RALPH_VERSION := 5.1.0

.PHONY: run test bench lint clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

# Ralph, the local LRS, lives in its own virtual environment: its pins differ from ours.
$(RALPH_VENV)/.installed:
	$(PYTHON) -m venv $(RALPH_VENV)
	$(RALPH_VENV)/bin/pip install --quiet 'ralph-malph[cli,lrs]==$(RALPH_VERSION)' 'requests==2.34.2'
	touch $@

run: $(VENV)/.installed $(RALPH_VENV)/.installed
	$(VENV)/bin/python -m elearn.devserver

# The browser tests need Debian's Chromium: installed here where apt-get may (as root),
# otherwise make test stops with one line naming the package.
test: $(VENV)/.installed $(RALPH_VENV)/.installed
	@tools/ensure_chromium.sh
	$(VENV)/bin/pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed $(RALPH_VENV)/.installed
	$(VENV)/bin/python -m bench

clean:
	rm -rf $(VENV) $(RALPH_VENV) instance .pytest_cache
