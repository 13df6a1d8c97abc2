# Two commands for a fresh Debian/Ubuntu machine (as root, or as a user with sudo):
#   make run   - set up what is missing and serve Knotenpunkt on http://127.0.0.1:8000
#   make test  - the same set-up on separate ports, then ruff, mypy and pytest
.PHONY: run test bench demo migrate messages

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh $(PYTEST_ARGS)

# The benchmarks (bench/README.md) on the same set-up; each prints its figures as JSON.
bench:
	bash bench/run.sh

# Re-extract the translatable texts after changing templates or code (then translate the .po).
messages:
	.venv/bin/pybabel extract -F babel.cfg -k N_ -k _ -k gettext -k ngettext:1,2 --no-location --sort-output --project Knotenpunkt -o locale/messages.pot .
	.venv/bin/pybabel update -i locale/messages.pot -d locale -D messages --no-fuzzy-matching
