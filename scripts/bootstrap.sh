# Sourced by the other scripts: make .venv and install the project into it.
# Only Python 3.11+ is needed on the machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
# The install is editable: only a changed pyproject.toml needs another one.
stamp=".venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)-${EXTRAS:-test}"
if [ ! -f "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[${EXTRAS:-test}]"
    rm -f .venv/.installed-*
    touch "$stamp"
fi
