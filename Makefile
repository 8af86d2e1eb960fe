# make run   executes every notebook offline into outputs/ (each one's runs in outputs/NAME/wandb)
#            and prints the runs they logged
#            (side by side, one per core; WORKERS=1 runs them one after another)
# make lab   opens JupyterLab on notebooks/
# make test  sets up and runs the whole test suite (what CI runs)
# make test-browser  runs every notebook in JupyterLab in headless Chromium (installs chromium if missing)
# make test-seats   every notebook in every further seat of tests/seats.py (make test runs one)
# make test-faults  Ctrl-C at every moment of a parallel sweep, kill -9, damaged run files, bad input
# make test-oldest  the notebooks and the quick tests on the oldest releases pyproject.toml allows
#                   (not `slow` ones, whose behaviour is wandb's, the same release, nor the
#                   tooling tests: venv building and .ci/run do not depend on those releases)
# make test-colab   every notebook alone on Colab's published package set (Python 3.13)
# make book        the executed notebooks as a static site in outputs/book/ (index.html), offline
# make test-book   builds the book from a clean clone and audits every page in Chromium (axe-core)
# make exercises  rewrites the student edition notebooks/exercises/ from notebooks/
# make rerun NB=03_config PARAM=MODEL VALUES="LogisticRegression KNeighborsClassifier"
#            reruns a notebook once per value into outputs/ and prints one table of runs
PYTHON ?= python3
VENV   ?= .venv
OLDEST ?= .venv-oldest
PY     := $(VENV)/bin/python
OUT    ?= outputs
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
# Every venv is built by one command: uv when it can be installed (INSTALLER=pip: plain pip).
# `$(INSTALL) VENV -- PIP INSTALL ARGS` creates VENV when it is missing, then installs into it.
INSTALLER ?= uv
export INSTALLER
# uv installs without compiling bytecode, and with PYTHONDONTWRITEBYTECODE set (some images and
# CI runners set it) every kernel, script and test process would compile wandb, scikit-learn
# and pandas from source again: about 6 s of CPU each. Python writes each .pyc once instead.
unexport PYTHONDONTWRITEBYTECODE
INSTALL = $(PYTHON) scripts/install.py --installer $(INSTALLER)

.PHONY: run lab test test-browser test-oldest test-colab test-seats test-faults lint bench rerun links exercises clean \
  ci-seats ci-prepare ci-extras

# What .ci/run runs: the README's test command first, then every slower seat, in two lanes side
# by side, each lane taking the next seat in this order (each seat of tests/seats.py names its
# target; tests/test_seats.py checks each is here). The order pairs a seat that keeps both cores
# busy (oldest, seats, colab, faults) with one that waits on a browser (browser, book).
CI_SEATS := test test-oldest test-browser test-book test-seats test-colab test-faults
ci-seats:
	@echo $(CI_SEATS)

# What the later seats download (Debian's chromium, axe-core, the oldest venv): .ci/run builds
# it in the background while make test runs, so the network waits overlap the tests.
ci-prepare: /usr/bin/chromium .cache/axe/node_modules/axe-core/axe.min.js $(OLDEST)/.installed

# The extras two lanes would otherwise install into .venv at once: .ci/run adds them after
# make test, before the lanes start.
ci-extras: $(VENV)/.browser $(VENV)/.book

# make run needs the course and its kernel stack only (a newcomer's first wait); the test
# tools (pytest, ruff, the stand-in's GraphQL parser...) come with the first make test or lint.
$(VENV)/.installed: pyproject.toml scripts/install.py
	$(INSTALL) $(VENV) -- -e ".[local]"
	touch $@

$(VENV)/.test: $(VENV)/.installed
	$(INSTALL) $(VENV) -- -e ".[local,test]"
	touch $@

$(VENV)/.lab: $(VENV)/.installed
	$(INSTALL) $(VENV) -- -e ".[local,lab]"
	touch $@

$(VENV)/.browser: $(VENV)/.test
	$(INSTALL) $(VENV) -- -e ".[local,test,browser]"
	touch $@

# Debian's chromium; Playwright drives it and never downloads a browser of its own.
/usr/bin/chromium:
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium

run: $(VENV)/.installed
	@mkdir -p $(OUT)
	@WANDB_MODE=offline WANDB_SILENT=true \
	  $(PY) scripts/run_notebooks.py $(OUT) $(NOTEBOOKS) $(if $(WORKERS),--workers $(WORKERS))
	@$(PY) -m helpers $(patsubst notebooks/%.ipynb,$(OUT)/%/wandb,$(NOTEBOOKS))

lab: $(VENV)/.lab
	$(VENV)/bin/jupyter lab --KernelManager.transport_encryption=auto notebooks/

lint: $(VENV)/.test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/codespell
	$(VENV)/bin/nbstripout --verify notebooks/*.ipynb notebooks/exercises/*.ipynb

# Three workers on two cores: part of the suite waits (kernels starting, a server that never
# answers), and a worker that runs out of tests takes half of another's (worksteal) instead of
# idling while the slowest finish.
test: $(VENV)/.test lint
	$(PY) -m pytest -n 3 --dist worksteal -m "not seats and not faults" --durations=15 --nbmake notebooks tests

# Every notebook with a refused key and with a dead network (make test runs one of each).
test-seats: $(VENV)/.test
	$(PY) -m pytest -n 2 --dist worksteal -m seats tests

# The faults a student or teacher can cause (tests/test_faults.py): Ctrl-C at 23 moments of a
# sweep, SIGTERM, kill -9, the stop button, damaged run files, bad input. A seat of its own keeps
# make test well under 10 minutes; make test-oldest runs the quick ones on the oldest releases.
test-faults: $(VENV)/.test
	$(PY) -m pytest -n 2 --dist worksteal -m faults tests

# The two seats (no account, an account) side by side, one JupyterLab and Chromium each.
test-browser: $(VENV)/.browser /usr/bin/chromium
	$(PY) -m pytest -n 2 --dist loadscope tests/browser

# A venv on the lower bounds (tests/constraints-oldest.txt), rebuilt when they change.
$(OLDEST)/.installed: pyproject.toml tests/constraints-oldest.txt scripts/install.py
	rm -rf $(OLDEST)
	$(INSTALL) $(OLDEST) -- -c tests/constraints-oldest.txt -e ".[local,test,lab]"
	touch $@

test-oldest: $(OLDEST)/.installed
	$(OLDEST)/bin/python -m pip list --format=freeze | grep -iE "^($$(grep -v '^#' tests/constraints-oldest.txt | cut -d= -f1 | paste -sd'|'))=="
	$(OLDEST)/bin/python -m pytest -n 2 --dist worksteal -m "not seats and not tooling and not slow" --nbmake notebooks tests

# Builds (once, cached in .cache/colab/) a Python 3.13 venv with Colab's package set, installs the
# course as the notebooks' Colab cell does, then runs every notebook alone, with and without a secret.
test-colab: $(VENV)/.test
	@WANDB_IRIS_COLAB_TEST=1 $(PY) -m pytest -n 2 -rfEs tests/test_colab.py; status=$$?; \
	  cat .cache/colab/last-install.txt .cache/colab/last-notebooks.txt 2>/dev/null; exit $$status

rerun: $(VENV)/.installed
	@test -n "$(NB)" -a -n "$(PARAM)" -a -n "$(VALUES)" || \
	  { echo 'usage: make rerun NB=03_config PARAM=MODEL VALUES="LogisticRegression KNeighborsClassifier"'; exit 2; }
	$(PY) -m helpers.batch $(NB) $(PARAM) $(VALUES) --out $(OUT)

links: $(VENV)/.installed
	$(PY) scripts/notebook_links.py
	$(PY) scripts/make_exercises.py

exercises: $(VENV)/.installed
	$(PY) scripts/make_exercises.py

bench: $(VENV)/.test
	$(PY) benchmarks/series.py

clean:
	rm -rf $(OUT) notebooks/wandb notebooks/exercises/wandb wandb .pytest_cache .venv-oldest .cache/colab \
	  notebooks/iris_script.py notebooks/exercises/iris_script.py

# The book: the executed notebooks as a static site in $(OUT)/book (index.html), built offline.
# The notebooks run only when make run's outputs are older than a notebook or the helpers.
.PHONY: book test-book
AXE_VERSION ?= 4.14.1
EXECUTED := $(patsubst notebooks/%,$(OUT)/%,$(NOTEBOOKS))

$(VENV)/.book: $(VENV)/.installed
	$(INSTALL) $(VENV) -- -e ".[local,book]"
	touch $@

$(EXECUTED) &: $(NOTEBOOKS) $(wildcard helpers/*.py helpers/*.yaml) notebooks/sweep.yaml | $(VENV)/.installed
	$(MAKE) run

book: $(VENV)/.book $(EXECUTED)
	$(PY) book/stage.py $(OUT)/book-src $(OUT)
	$(VENV)/bin/sphinx-build -q -W --keep-going -b html -c book $(OUT)/book-src $(OUT)/book
	@echo "the book: $(OUT)/book/index.html"

# axe-core, the accessibility engine the book test injects into each page (npm, no lock file).
.cache/axe/node_modules/axe-core/axe.min.js:
	npm install --silent --no-save --no-package-lock --prefix .cache/axe axe-core@$(AXE_VERSION)

# The book built from a clean clone of HEAD, as a new machine or CI has it (the notebooks run
# there once, with this venv, whose editable helpers are this tree's: -o keeps make from
# rebuilding it), then every page checked in Chromium: axe-core, links, images, outputs,
# headings, width; screenshots in $(OUT)/screens. Commit first: the clone holds HEAD only.
BOOK_CLONE := $(abspath $(OUT))/book-clone
# Named apart from $(MAKE) so that `make -n test-book` prints this line instead of running it.
BOOK_MAKE = $(MAKE)
test-book: $(VENV)/.book $(VENV)/.browser /usr/bin/chromium .cache/axe/node_modules/axe-core/axe.min.js
	rm -rf $(BOOK_CLONE)
	git clone -q --no-checkout . $(BOOK_CLONE)
	git -C $(BOOK_CLONE) checkout -q $$(git rev-parse HEAD)
	$(BOOK_MAKE) -C $(BOOK_CLONE) book VENV=$(abspath $(VENV)) \
	  -o $(abspath $(VENV))/.installed -o $(abspath $(VENV))/.book
	BOOK_DIR=$(BOOK_CLONE)/outputs/book $(PY) -m pytest -m book tests/book
