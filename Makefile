# Set-up and everyday commands. Each target installs what it needs into .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SEED := seeds/000_5bc9710cf7c855ce.txt

.PHONY: demo test lint record wheel-check clean bench quality claims fit-summary-check likelihood

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[local,dev,ray]"
	touch $@

# The peers' packages pin an older openai (instructor wants jiter<0.15); kept out of `test`.
$(VENV)/.bench: pyproject.toml | $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[local,dev,ray,bench]"
	touch $@

## Cost and speed per article, side by side with LangChain and instructor, and the library's
## own time at 10k, 100k and 250k tokens (about an hour on 2 cores, most of it the real model
## on the seed; BENCH_ARGS=--no-real: minutes; BENCH_ARGS=--quick: no peers, 10k and 100k).
bench: $(VENV)/.bench
	$(BIN)/python -m benchmarks.perf $(BENCH_ARGS)

## Summary-check quality on four datasets from ../shared/data, each also left out of the fit:
## balanced accuracy with bootstrap intervals, rules only (about 10 minutes on 2 shared cores;
## `QUALITY_ARGS="--limit 200"` for a quicker look, `--model-rows 40` adds the model's verdicts).
## `make fit-summary-check` refits factcheck/data/summary_check.json on all four.
quality: $(VENV)/.installed
	$(BIN)/python -m benchmarks.quality $(QUALITY_ARGS)

## The embedded model's likelihood as a summary-check signal, on 200 summaries per dataset
## (about 40 minutes on 2 cores; LIKELIHOOD_ARGS="--limit 0" for all of them, hours).
LIKELIHOOD_ARGS ?= --limit 200
likelihood: $(VENV)/.installed
	$(BIN)/python -m benchmarks.likelihood $(LIKELIHOOD_ARGS)

fit-summary-check: $(VENV)/.installed
	$(BIN)/python -m benchmarks.fit_summary_check

## Claims quality on the 16 hand-labelled articles (../shared/data/claims), replayed from the
## recordings in benchmarks/recordings/claims (a few seconds). `CLAIMS_ARGS=` runs the model
## live; `CLAIMS_ARGS=--record` re-records the 16 from the embedded model, `--record --robustness`
## all 56 (minutes per article on 2 shared cores; `--record-missing` resumes an interrupted run).
CLAIMS_ARGS ?= --replay
claims: $(VENV)/.installed
	$(BIN)/python -m benchmarks.claims $(CLAIMS_ARGS)

## Summarise the seed article on the embedded model (no key, no network).
demo: $(VENV)/.installed
	$(BIN)/python -m factcheck summarise $(SEED) --format markdown

## Run the tests offline from recorded responses.
test: $(VENV)/.installed
	$(BIN)/ruff check factcheck tests
	$(BIN)/mypy
	$(BIN)/python -m pytest --record-mode=none --block-network

## Re-record every cassette from the embedded model (about half an hour on 2 idle cores).
## test_replay first: the fault-simulating server in other tests replays its answers.
## The notebook session adds to what the seed tests recorded, hence new_episodes.
RECORDED := test_replay test_bad_input test_batch test_many test_ray test_summary_check \
	test_verify test_readme
record: $(VENV)/.installed
	set -e; for t in $(RECORDED); do \
		rm -rf cassettes/$$t; \
		$(BIN)/python -m pytest tests/$$t.py --record-mode=once -p no:cacheprovider; \
	done
	rm -rf cassettes/test_notebook
	$(BIN)/python -m pytest tests/test_notebook.py --record-mode=new_episodes

## Build the wheel, install it (not editable) into a fresh venv and summarise from there.
wheel-check: $(VENV)/.installed
	bash .ci/wheel-check

clean:
	rm -rf $(VENV) dist build
