# make run   executes every notebook offline into outputs/ and prints the runs they logged
# make lab   opens JupyterLab on notebooks/
# make test  sets up and runs the whole test suite (what CI runs)
# make test-browser  runs every notebook in JupyterLab in headless Chromium (installs chromium if missing)
# make rerun NB=03_config PARAM=MODEL VALUES="LogisticRegression KNeighborsClassifier"
#            reruns a notebook once per value into outputs/ and prints one table of runs
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
OUT    ?= outputs
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))

.PHONY: run lab test test-browser lint bench rerun links clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $@

$(VENV)/.lab: $(VENV)/.installed
	$(PY) -m pip install -q -e ".[test,lab]"
	touch $@

$(VENV)/.browser: $(VENV)/.installed
	$(PY) -m pip install -q -e ".[test,browser]"
	touch $@

# Debian's chromium; Playwright drives it and never downloads a browser of its own.
/usr/bin/chromium:
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium

run: $(VENV)/.installed
	@mkdir -p $(OUT)
	@WANDB_MODE=offline WANDB_DIR=$(abspath $(OUT)) WANDB_SILENT=true \
	  $(PY) scripts/run_notebooks.py $(OUT) $(NOTEBOOKS)
	@$(PY) -m helpers $(OUT)/wandb

lab: $(VENV)/.lab
	$(VENV)/bin/jupyter lab --KernelManager.transport_encryption=auto notebooks/

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/codespell
	$(VENV)/bin/nbstripout --verify notebooks/*.ipynb

test: $(VENV)/.installed lint
	$(PY) -m pytest -n 2 --nbmake notebooks tests

test-browser: $(VENV)/.browser /usr/bin/chromium
	$(PY) -m pytest tests/browser

rerun: $(VENV)/.installed
	@test -n "$(NB)" -a -n "$(PARAM)" -a -n "$(VALUES)" || \
	  { echo 'usage: make rerun NB=03_config PARAM=MODEL VALUES="LogisticRegression KNeighborsClassifier"'; exit 2; }
	$(PY) -m helpers.batch $(NB) $(PARAM) $(VALUES) --out $(OUT)

links: $(VENV)/.installed
	$(PY) scripts/notebook_links.py

bench: $(VENV)/.installed
	$(PY) benchmarks/series.py

clean:
	rm -rf $(OUT) notebooks/wandb wandb .pytest_cache
