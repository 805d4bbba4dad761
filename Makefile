PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test setup setup-dev lint bench check-dist clean

$(VENV)/.installed: pyproject.toml setup.py nasbench/store/_strindex.c
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[dev,torch,xgboost,ray,optuna,report,configspace]'
	touch $@

setup: $(VENV)/.installed
setup-dev: $(VENV)/.installed-dev

demo: setup
	$(VENV)/bin/nasbench build
	$(VENV)/bin/nasbench demo

test: setup-dev
	$(PY) -m pytest

lint: setup-dev
	$(VENV)/bin/ruff check nasbench tests benchmarks
	$(VENV)/bin/mypy

check-dist: setup-dev
	PY=$(PY) scripts/check_dist.sh

bench: setup
	$(PY) benchmarks/bench_query.py

clean:
	rm -rf $(VENV) build dist *.egg-info nasbench/store/_strindex*.so
