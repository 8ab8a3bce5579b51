# tfx-balance: the whole set-up on a fresh machine is `make demo` or `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Quiet TensorFlow/Google import noise; TFT 1.16 needs Keras 2 (docs/use_in_your_project.md).
export TF_CPP_MIN_LOG_LEVEL ?= 2
export TF_USE_LEGACY_KERAS ?= 1
export PYTHONWARNINGS ?= ignore::FutureWarning,ignore::DeprecationWarning
PYTEST_ARGS ?=
# The pytest processes of make test and test-compat (pytest-xdist; each pays the TFX import once).
TEST_WORKERS ?= 2
# The version is written once: __version__ in components/tfx_balance/__init__.py.
VERSION := $(shell sed -n "s/^__version__ = '\(.*\)'/\1/p" components/tfx_balance/__init__.py)
# make image: the tag to build, and the base (default: the Dockerfile's, tensorflow/tfx:<tfx version>;
# set BASE_IMAGE=<mirror>/tensorflow/tfx:1.16.0 to build from a mirror).
IMAGE ?= tfx-balance:$(VERSION)
BASE_IMAGE ?=

.PHONY: help install test-deps demo demo-taxi demo-taxi-cv taxi-strata demo-multilabel demo-periodic test test-compat lint format bench \
	bench-smoke dist \
	clean image kfp-local kfp-local-periodic

help:
	@echo "make demo   - create .venv (Python 3.10 + uv), install, run the main sample pipeline"
	@echo "make demo-taxi | demo-taxi-cv | demo-multilabel | demo-periodic - the other sample pipelines"
	@echo "make taxi-strata - the taxi trips split by label, then by label x company: each company's mix per split"
	@echo "make test   - create .venv if needed, lint, run every test (unit + e2e) on TFX 1.16, then test-compat"
	@echo "              (whose environment is prepared in the background meanwhile)"
	@echo "make test-compat - the compatibility suite on TFX 1.21 (Python 3.13; a cached Debian 13 root where glibc < 2.39)"
	@echo "make image  - build docker/Dockerfile with your Docker daemon (IMAGE=..., BASE_IMAGE=...)"
	@echo "make kfp-local - run every task of the compiled digits pipeline in the image (Docker)"
	@echo "make kfp-local-periodic - the compiled periodic sample's tasks, span after span (Docker)"
	@echo "make dist   - build the wheel and sdist into dist/ (uv build)"
	@echo "make lint | format | bench | bench-smoke | clean"

install: $(STAMP)

$(STAMP): pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv || { \
	  echo "error: could not install uv (python3 -m pip install uv)"; exit 1; }
	@PY310="$$(bash .ci/find_python310)" || exit 1; \
	echo "Using Python 3.10 at $$PY310"; \
	uv sync --frozen --extra kfp --python "$$PY310"
	@touch $(STAMP)

demo: install
	$(PY) -m pipelines.digits.run_local --root runs/digits

demo-taxi: install
	$(PY) -m pipelines.taxi.run_local --root runs/taxi

demo-taxi-cv: install
	$(PY) -m pipelines.taxi.run_local_cv --root runs/taxi-cv

# Not a pipeline: the core split twice on the taxi examples (pipelines/taxi/README.md#stratifying-by-company).
taxi-strata: install
	$(PY) -m pipelines.taxi.strata

demo-multilabel: install
	$(PY) -m pipelines.multilabel.run_local --root runs/multilabel

demo-periodic: install
	$(PY) -m pipelines.periodic.run_local --root runs/periodic

# The TFX 1.16 suite, then the compatibility suite; its environment (test-compat) is prepared in the
# background while the TFX 1.16 suite runs (log: .compat/prepare.log). Bytecode writing is on
# whatever the caller's environment says (as in the compatibility suite): the first process to
# import TFX compiles it into .venv, and the suite's other processes start about 6 s of CPU sooner.
test: install test-deps lint
	env -u PYTHONDONTWRITEBYTECODE TEST_WORKERS=$(TEST_WORKERS) bash tools/compat_suite.sh --after \
	  $(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# tests/compat_suite.txt against the built wheel installed WITH its dependencies into a fresh TFX 1.21
# (COMPAT_TFX_VERSION): a venv where glibc >= 2.39, else a Debian 13 root built with debootstrap and
# cached in .compat/ (needs root). Where neither can be made it says so and skips; with CI=true it fails.
test-compat: install
	TEST_WORKERS=$(TEST_WORKERS) bash tools/compat_suite.sh

# What the tests need besides .venv: headless Chromium renders the HTML report
# (tests/pipelines/test_report.py). Installed with apt-get when missing and we are root.
test-deps:
	@if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing chromium (apt-get) for the HTML report test"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || { echo "error: apt-get install chromium failed"; exit 1; }; \
	  else \
	    echo "warning: chromium is missing (install it: apt-get install chromium); the HTML report test will fail" >&2; \
	  fi; \
	fi

lint: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# make bench: the default set, <= 45 min on 2 cores (benchmarks/README.md says why). BENCH_FULL=1: every
# repeat and comparison and the taxi CV pipeline (about 90 min). SECTIONS="smote_quality smote_speed":
# re-run only those sections and merge them into benchmarks/results.json and RESULTS.md.
bench: install
	$(PY) -m benchmarks.run $(if $(BENCH_FULL),--full) $(if $(SECTIONS),--sections $(SECTIONS))

bench-smoke: install
	$(PY) -m benchmarks.run --smoke

# The locked dependencies the image installs are regenerated from uv.lock first. The legacy
# builder (DOCKER_BUILDKIT=0) works with every Docker CLI, with or without buildx.
image:
	@command -v docker >/dev/null 2>&1 || { echo "error: make image needs the docker CLI and a daemon"; exit 1; }
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
	uv export --quiet --frozen --no-dev --extra kfp --no-emit-project --no-hashes \
	  -o docker/requirements.txt
	DOCKER_BUILDKIT=0 docker build --network host -f docker/Dockerfile -t $(IMAGE) \
	  $(if $(BASE_IMAGE),--build-arg BASE_IMAGE=$(BASE_IMAGE)) .
	@echo "Built image $(IMAGE)"

# Needs a running Docker daemon; builds a local stand-in base if the real one cannot be pulled.
kfp-local: install
	$(PY) -m tests.orchestration.kubeflow.kfp_local

# The periodic sample compiled for Kubeflow: its tasks run in the image for spans 1-7 (span 3
# twice, span 5 late after 6 and 7, span 2 again at the end, span 7 shifted and stopped) and are
# compared span by span with LocalDagRunner's runs.
kfp-local-periodic: install
	$(PY) -m tests.orchestration.kubeflow.kfp_local --periodic 7 --rerun 3 --late 5 --again 2 \
		--work runs/kfp-local-periodic

# An egg-info left by an earlier build would add the files it lists to the sdist: removed first.
dist: install
	rm -rf components/*.egg-info build
	uv build --out-dir dist

clean:
	rm -rf runs build dist *.egg-info components/*.egg-info .pytest_cache
