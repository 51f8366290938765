# tracklayer: two commands do everything on a fresh machine with Python >= 3.11.
#   make demo   install into .venv and run the default scenario into results/indo-pacific
#   make test   install into .venv (with test extras) and run the test suite
# CI (.ci/run) also runs `make test-numpy` (the kernels' packages on the NumPy reference kernels)
# and `make test-min` (a separate venv with every runtime dependency at its floor).
# Both also install the offline globe viewer's assets (CesiumJS, pinned in
# viewer/package-lock.json) into viewer/node_modules with npm; `make test` also
# installs Debian's chromium for the browser test when it is missing and we are root.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= results/indo-pacific
MINVENV ?= .venv-min
MIN_VERSIONS := ci/min-versions.txt
QUICK  := -m "not slow and not browser"

VIEWER := viewer/node_modules/.installed
CHROMIUM ?= /usr/bin/chromium

.PHONY: demo test test-numpy test-min bench install viewer chromium clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

# CesiumJS and its Natural Earth imagery, exactly as locked; never fetched at run time.
$(VIEWER): viewer/package.json viewer/package-lock.json
	@command -v npm >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; } || \
		{ echo "npm is needed to install the viewer assets (apt-get install npm, or Node.js from nodejs.org)"; exit 1; }
	cd viewer && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

viewer: $(VIEWER)

# Debian's Chromium for the browser test (skipped, with the reason, when it cannot be installed).
chromium:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || \
		echo "note: could not install chromium; the browser test will be skipped"; \
	else echo "note: $(CHROMIUM) missing and not root; the browser test will be skipped (apt-get install chromium)"; fi

demo: $(VENV)/.installed
	@$(MAKE) --no-print-directory viewer || echo "note: viewer assets not installed; the run works, \`tracklayer view\` needs \`make viewer\`"
	$(BIN)/tracklayer run indo-pacific --out $(OUT)

test: $(VENV)/.installed $(VIEWER) chromium
	$(BIN)/python -m pytest -q

# The packages whose code runs on kernels, again on the NumPy reference kernels (both
# engines must pass them). Whole-scenario tests are left out: the NumPy reference of the
# flight kernel takes ~40 s per scenario (2 s compiled); the engines' agreement on whole
# runs is tested in tests/test_end_to_end.py, and kernel tests take both engines anyway.
NUMPY_ENGINE_TESTS := tests/earth tests/orbits tests/sensors tests/tracking tests/io tests/test_registries.py tests/test_doctests.py
test-numpy: $(VENV)/.installed
	TRACKLAYER_ENGINE=numpy $(BIN)/python -m pytest -q $(QUICK) $(NUMPY_ENGINE_TESTS)

# The suite on the declared minimum versions, in a venv of its own.
$(MINVENV)/.installed: pyproject.toml $(MIN_VERSIONS)
	rm -rf $(MINVENV)
	$(PYTHON) -m venv $(MINVENV)
	$(MINVENV)/bin/python -m pip install -q --upgrade pip
	$(MINVENV)/bin/python -m pip install -q -c $(MIN_VERSIONS) -e '.[test]'
	touch $@

test-min: $(MINVENV)/.installed
	$(MINVENV)/bin/python -m pytest -q -p no:cacheprovider $(QUICK)

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_run.py

clean:
	rm -rf $(VENV) $(MINVENV) results .pytest_cache viewer/node_modules tests/artifacts

.PHONY: lint typecheck

lint: $(VENV)/.installed
	$(BIN)/ruff check .

typecheck: $(VENV)/.installed
	$(BIN)/mypy
