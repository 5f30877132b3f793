#!/usr/bin/env bash
# The demo command: synthetic cases through their lawful lifecycle, unlawful attempts refused,
# every write and read in the ledger. Extra arguments go to `duecourse demo` (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
ensure_venv
duecourse demo "$@"
