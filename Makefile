# make run   executes every notebook offline into outputs/ and prints the runs they logged
# make lab   opens JupyterLab on notebooks/
# make test  sets up and runs the whole test suite (what CI runs)
# make exercises  rewrites the student edition notebooks/exercises/ from notebooks/
# make rerun NB=03_config PARAM=MODEL VALUES="LogisticRegression KNeighborsClassifier"
#            reruns a notebook once per value into outputs/ and prints one table of runs
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
OUT    ?= outputs
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))

.PHONY: run lab test lint bench rerun links exercises clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $@

$(VENV)/.lab: $(VENV)/.installed
	$(PY) -m pip install -q -e ".[test,lab]"
	touch $@

run: $(VENV)/.installed
	@mkdir -p $(OUT)
	@for nb in $(NOTEBOOKS); do \
	  echo "== $$nb"; \
	  WANDB_MODE=offline WANDB_DIR=$(CURDIR)/$(OUT) WANDB_SILENT=true $(PY) -m papermill \
	    --cwd notebooks --no-progress-bar --log-level WARNING $$nb $(OUT)/$$(basename $$nb) || exit 1; \
	done
	@$(PY) -m helpers $(OUT)/wandb

lab: $(VENV)/.lab
	$(VENV)/bin/jupyter lab notebooks/

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/codespell
	$(VENV)/bin/nbstripout --verify notebooks/*.ipynb notebooks/exercises/*.ipynb

test: $(VENV)/.installed lint
	$(PY) -m pytest -n 2 --nbmake notebooks tests

rerun: $(VENV)/.installed
	@test -n "$(NB)" -a -n "$(PARAM)" -a -n "$(VALUES)" || \
	  { echo 'usage: make rerun NB=03_config PARAM=MODEL VALUES="LogisticRegression KNeighborsClassifier"'; exit 2; }
	$(PY) -m helpers.batch $(NB) $(PARAM) $(VALUES) --out $(OUT)

links: $(VENV)/.installed
	$(PY) scripts/notebook_links.py
	$(PY) scripts/make_exercises.py

exercises: $(VENV)/.installed
	$(PY) scripts/make_exercises.py

bench: $(VENV)/.installed
	$(PY) benchmarks/series.py

clean:
	rm -rf $(OUT) notebooks/wandb notebooks/exercises/wandb wandb .pytest_cache notebooks/iris_script.py notebooks/exercises/iris_script.py
