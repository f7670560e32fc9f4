# Fresh machine: `make run` sets up and runs the bot, `make test` sets up and runs the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test setup catalogs extract update-catalogs lint bench clean

# Without a token: the sandbox (a local imitation of Telegram and a chat page), never Telegram.
run: setup
	@if [ -n "$$KOSIZU_BOT_TOKEN" ]; then \
		exec $(BIN)/kosizu run; \
	else \
		echo "KOSIZU_BOT_TOKEN is not set: starting the sandbox instead of the real bot."; \
		exec $(BIN)/kosizu sandbox; \
	fi

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

setup: $(STAMP) catalogs

# constraints.txt pins every package to the versions the tests last passed with.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

# Compile locales/<lang>/LC_MESSAGES/messages.po into the .mo files the bot loads.
catalogs: $(STAMP)
	$(BIN)/pybabel compile --statistics -d locales -D messages

# Re-extract the msgids from the code into locales/messages.pot.
extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k ngettext:1,2 -c TRANSLATORS: --no-location \
		--sort-output --project=kosizu-bot -o locales/messages.pot .

# Merge the template into every language's catalog (new msgids appear untranslated).
update-catalogs: extract
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --ignore-obsolete \
		--no-fuzzy-matching

bench: setup
	$(BIN)/python -m bench.throughput
	$(BIN)/python -m bench.outbox_rate
	$(BIN)/python -m bench.signup
	$(BIN)/python -m bench.broadcast
	$(BIN)/python -m bench.report

clean:
	rm -rf $(VENV)
