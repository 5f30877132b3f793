# Sourced by scripts/test.sh and scripts/demo.sh. `ensure_venv [EXTRA]` makes ./.venv (Python
# 3.11+) if it is missing, activates it, and installs duecourse into it in editable mode, with
# the optional extra (e.g. `test`).
ensure_venv() {
  local python="${PYTHON:-python3}" spec="."
  if [ -n "${1:-}" ]; then spec=".[$1]"; fi
  if [ ! -x .venv/bin/python ]; then
    if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "duecourse needs Python 3.11 or newer: set PYTHON=/path/to/python3.11" >&2
      return 1
    fi
    echo "==> creating .venv with $("$python" --version)"
    if ! "$python" -m venv .venv; then
      echo "could not create .venv; on Debian: apt-get install python3-venv" >&2
      return 1
    fi
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  fi
  # shellcheck disable=SC1091
  . .venv/bin/activate
  echo "==> installing duecourse ($spec) into .venv"
  python -m pip install --quiet --disable-pip-version-check -e "$spec"
}
