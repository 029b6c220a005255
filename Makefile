# Palabre: `make run` serves the demo, `make test` runs every check and test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app app
export PALABRE_ENV ?= development

.PHONY: run test lint bench setup translations extract-messages update-catalogs clean

$(STAMP): requirements.lock pyproject.toml package.json package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	npm ci --no-audit --no-fund --loglevel=error
	touch $(STAMP)

setup: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel --quiet compile -d translations

run: setup
	$(FLASK) db upgrade
	$(FLASK) demo seed --if-empty
	$(FLASK) run --host 127.0.0.1 --port 5000

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict voting
	$(BIN)/mypy deliberation app.py

test: setup lint
	PALABRE_ENV=testing $(BIN)/python -m pytest

# Every benchmark in turn, each with its time and verdict; fails when any target is missed.
bench: setup
	@status=0; all=$$(date +%s); for bench in opinions decisions participate vote_calls http_votes; do \
		started=$$(date +%s); echo "== bench/$$bench.py =="; \
		if $(BIN)/python bench/$$bench.py; then verdict=pass; else verdict=FAIL; status=1; fi; \
		echo "bench/$$bench.py: $$verdict in $$(( $$(date +%s) - started )) s (load $$(cut -d' ' -f1-3 /proc/loadavg))"; \
	done; \
	echo "make bench: $$( [ $$status = 0 ] && echo pass || echo FAIL ) in $$(( $$(date +%s) - all )) s"; \
	exit $$status

extract-messages: $(STAMP)
	$(BIN)/pybabel --quiet extract -F babel.cfg -k _l -k lazy_gettext -k lazy_message -o translations/messages.pot .

update-catalogs: extract-messages
	$(BIN)/pybabel --quiet update -N -i translations/messages.pot -d translations

clean:
	rm -rf $(VENV) node_modules
