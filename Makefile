# synth: one-command set-up. `make help` lists the targets.
# Everything runs inside .venv/, built from requirements.lock (exact pins) whenever the lock file
# or pyproject.toml is newer than the environment.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.synth-stamp
DATA   ?= data/raw
OUT    ?= reports
JOBS   ?= 2
ENSEMBLE := data/processed/ensemble/ensemble_bars.csv

.DEFAULT_GOAL := help
.PHONY: help env report status verify test lab lock audit reconstruct ensemble bench clean

help:  ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# src/synth/__init__.py holds the version, which the installed metadata records.
$(STAMP): requirements.lock pyproject.toml src/synth/__init__.py
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "synth needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) --version)"; exit 1; }
	@test -x $(BIN)/python || { echo "Creating $(VENV)/ with $$($(PYTHON) --version)"; $(PYTHON) -m venv $(VENV); }
	@echo "Installing pinned dependencies from requirements.lock (first run takes a few minutes)"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

env: $(STAMP)  ## Create or refresh .venv/ from requirements.lock

# figures/ receives the figures only for the shipped data rendered into reports/: another study's
# report (make report DATA=... OUT=...) keeps everything under its own OUT.
FIGURES := $(if $(and $(filter data/raw,$(DATA)),$(filter reports,$(OUT))),--figures figures)

# synth report re-executes only what changed since the last render into $(OUT) (synth status says
# what and why; the record is $(OUT)/.cache/) and writes the manuscript into $(OUT)/manuscript/.
report: $(STAMP) $(ENSEMBLE)  ## Render (what changed of) the report and manuscript into reports/, the figures into figures/
	@$(BIN)/synth report --data $(DATA) --out $(OUT) $(FIGURES) --jobs $(JOBS)
	@echo "Done: open $(OUT)/report.html; paper-ready files are in $(OUT)/manuscript/"

status: $(STAMP)  ## Say which outputs of reports/ are stale and why (exit 1 when any is)
	$(BIN)/synth status --data $(DATA) --out $(OUT)

verify: $(STAMP)  ## Re-render from scratch and compare byte for byte with reports/SHA256SUMS
	$(BIN)/synth verify --data $(DATA) --out $(OUT) --jobs $(JOBS)

# The ensemble of 50 reconstructions (1-3 minutes on 2 cores) is computed once and reused by
# the statistics notebook; it is rebuilt only when the reconstruction or the raw data change.
$(ENSEMBLE): data/raw/SHA256SUMS src/synth/reconstruct.py | $(STAMP)
	$(BIN)/synth ensemble --out $(dir $@) --jobs $(JOBS)

ensemble: $(ENSEMBLE)  ## Reconstruct 50 datasets to show which bars the paper pins (cached)

test: $(STAMP)  ## Run the whole test suite (what CI runs)
	$(BIN)/python -m pytest

# JupyterLab serves the project root (README, figures/ and reports/ are in its file browser) and
# opens the explorer; LAB_ARGS passes options through, e.g. for a remote machine:
#   make lab LAB_ARGS="--no-browser --ip=0.0.0.0 --port=8888"
LAB_ARGS ?=
lab: $(STAMP)  ## Open the explorer (notebooks/90_explorer.ipynb) in JupyterLab, serving the project root
	$(BIN)/python -m ipykernel install --sys-prefix --name synth --display-name "synth (.venv)" >/dev/null
	$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks/90_explorer.ipynb $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

audit: $(STAMP)  ## Check every number the paper publishes against the data
	$(BIN)/synth audit --data $(DATA)

reconstruct: $(STAMP)  ## Rebuild the reconstructed dataset into data/processed/reconstructed/ (data/raw/ is never written)
	$(BIN)/synth reconstruct --out data/processed/reconstructed

bench: $(STAMP)  ## Run the benchmarks in benchmarks/ (not part of make test)
	$(BIN)/python benchmarks/run.py

lock:  ## Re-resolve requirements.lock from pyproject.toml in a scratch environment
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet '.[dev]'
	{ echo "# Exact pins for synth; regenerate with 'make lock'. Python >= 3.11."; \
	  .lock-venv/bin/python -m pip freeze --exclude synth --exclude pip; } > requirements.lock
	$(PYTHON) tools/sync_environment.py
	rm -rf .lock-venv

clean:  ## Remove generated outputs (figures/, reports/ with its build cache, data/processed/); keeps .venv/
	rm -rf figures reports data/processed
