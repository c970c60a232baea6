# Sourced by scripts/build, scripts/test and scripts/serve: makes .venv/ at the
# repo root and installs the project into it, once per change of pyproject.toml.
# Usage: ensure_venv [EXTRA]   (EXTRA: an optional-dependency group, e.g. "test")
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

ensure_venv() {
    local extra="${1:-}"
    local python="${PYTHON:-python3}"
    if [ ! -x "$VENV/bin/python" ]; then
        echo "annotary: creating $VENV" >&2
        "$python" -m venv "$VENV"
    fi
    local spec="$ROOT"
    [ -n "$extra" ] && spec="$ROOT[$extra]"
    local stamp="$VENV/.annotary-installed-${extra:-base}"
    local want
    want="$(sha256sum < "$ROOT/pyproject.toml" | cut -d' ' -f1) $ROOT"
    # the test extras include everything the base install has
    local have="" candidate
    for candidate in "$stamp" "$VENV/.annotary-installed-test"; do
        [ -f "$candidate" ] && [ "$(cat "$candidate")" = "$want" ] && have=yes
        [ -n "$extra" ] && break
    done
    # ANNOTARY_NO_INSTALL: use .venv as it is (tests that run these scripts in a copy
    # of the repo whose .venv is this checkout's must never reinstall into it)
    if [ -n "${ANNOTARY_NO_INSTALL:-}" ]; then
        [ -x "$VENV/bin/annotary" ] && return 0
        echo "annotary: $VENV has no annotary and ANNOTARY_NO_INSTALL is set" >&2
        exit 3
    fi
    if [ -z "$have" ] || [ ! -x "$VENV/bin/annotary" ]; then
        echo "annotary: installing the project into .venv ($spec)" >&2
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$spec"
        echo "$want" > "$stamp"
    fi
}

ensure_chromium() {
    if [ ! -x /usr/bin/chromium ]; then
        echo "annotary: installing Debian's chromium for the browser tests" >&2
        local sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
    fi
}
