#!/usr/bin/env bash
# Installs the kernel's binding checker: dtschema (dt-validate, dt-mk-schema) from PyPI, pinned, in a venv
# under $CACHE/dtschema/venv-<version>, then builds processed-schema.json from each shipped kernel source's
# Documentation/devicetree/bindings (upstream: the kernel's `make dt_binding_check` schema step).
# Idempotent: a finished venv carries a .complete stamp; a built schema is kept under its
# dtschema-version/kernel-version key. Usage: scripts/install-dtschema.sh [--no-schemas]
set -euo pipefail
CACHE=${BRINGUP_CACHE:-$HOME/.cache/bringup-workbench}
# The pin. engine/bindings/checker.ts carries the same number (DTSCHEMA_VERSION); change both.
VERSION=2026.9
ROOT="$CACHE/dtschema"
VENV="$ROOT/venv-$VERSION"
fail() { echo "install-dtschema: $*" >&2; exit 1; }

command -v python3 >/dev/null || fail "no python3 (Debian: python3); dtschema needs Python 3.9 or later"
if [ ! -f "$VENV/.complete" ]; then
  # Debian splits ensurepip out of python3 into python3-venv; without it `python3 -m venv` fails midway.
  if ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null \
      || fail "step 'install python3-venv' failed (Debian: python3-venv)"
  fi
  # The venv's scripts carry absolute paths in their #! lines, so it is built where it will live; the
  # .complete stamp, written last, is what says it is whole.
  rm -rf "$VENV"
  python3 -m venv "$VENV" || fail "step 'python3 -m venv $VENV' failed"
  log=$(mktemp)
  if ! timeout 900 "$VENV/bin/pip" install --disable-pip-version-check -q "dtschema==$VERSION" >"$log" 2>&1; then
    tail -n 15 "$log" | sed 's/^/  | /' >&2; rm -f "$log"; rm -rf "$VENV"
    fail "step 'pip install dtschema==$VERSION' failed"
  fi
  rm -f "$log"
  "$VENV/bin/dt-validate" --version >/dev/null 2>&1 || { rm -rf "$VENV"; fail "dt-validate from dtschema $VERSION does not run"; }
  touch "$VENV/.complete"
fi

[ "${1:-}" = --no-schemas ] && { echo "$VENV"; exit 0; }

# One processed schema per kernel source we ship a catalog for. The key is the version dtschema reports
# (what it writes into the schema) and the kernel's Makefile version; the app builds the same path lazily.
kernel_version() { awk -F' *= *' '/^VERSION =/{v=$2} /^PATCHLEVEL =/{p=$2} /^SUBLEVEL =/{s=$2} END{print v"."p"."s}' "$1/Makefile"; }
for v in 6.1 6.12; do
  src="$CACHE/linux-source-$v"
  [ -d "$src/Documentation/devicetree/bindings" ] || { echo "install-dtschema: no $src/Documentation/devicetree/bindings, skipped (run scripts/install-system-deps.sh dt)" >&2; continue; }
  kv=$(kernel_version "$src")
  out="$ROOT/schemas/$VERSION/linux-$kv/processed-schema.json"
  [ -s "$out" ] && continue
  mkdir -p "$(dirname "$out")"
  log=$(mktemp)
  if ! timeout 900 "$VENV/bin/dt-mk-schema" -j -o "$out.tmp" "$src/Documentation/devicetree/bindings" >"$log" 2>&1 || [ ! -s "$out.tmp" ]; then
    tail -n 15 "$log" | sed 's/^/  | /' >&2; rm -f "$log" "$out.tmp"
    fail "step 'dt-mk-schema for linux-$kv' failed"
  fi
  rm -f "$log"
  mv "$out.tmp" "$out"
done
echo "$ROOT"
