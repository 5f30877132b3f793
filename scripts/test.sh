#!/usr/bin/env bash
# The test command: lint, types, the layering contracts, the law's scenarios and the whole suite
# on SQLite and PostgreSQL. Exits non-zero on any failure. Under CI=true a missing PostgreSQL fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
ensure_venv test
bash scripts/install_browser.sh

echo "==> ruff"
ruff check src tests bench tools
echo "==> mypy --strict"
mypy --strict
echo "==> import-linter (the layering contracts in pyproject.toml)"
lint-imports --no-cache
echo "==> scenarios"
duecourse law check src/duecourse/law/scenarios
echo "==> pytest"
status=0
pytest -n 2 || status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$status"
