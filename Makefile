# The two commands a new machine needs: `make run` and `make test`.
.PHONY: setup run test lint nlu-report chat

setup:
	bash scripts/bootstrap.sh
	.venv/bin/kefu setup

run: setup
	.venv/bin/kefu run

test: setup
	bash scripts/ensure_chromium.sh
	.venv/bin/ruff check .
	.venv/bin/python -m pytest -q

lint:
	.venv/bin/ruff check .

# Intent F1 per intent and the confidence floors, 3-fold cross-validation, written to results/nlu/.
# --successes (errors are written anyway): the floors need every held-out prediction's confidence.
nlu-report:
	bash scripts/bootstrap.sh
	PYTHONPATH=. .venv-rasa/bin/rasa test nlu --config config.yml --nlu bot/data \
		--cross-validation --folds 3 --successes --out results/nlu
	.venv/bin/python -m kefu.reports results/nlu

chat:
	.venv/bin/kefu chat
