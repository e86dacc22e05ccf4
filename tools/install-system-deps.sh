#!/usr/bin/env bash
# Install system packages microtensor needs, when the machine allows it.
#
# Usage: tools/install-system-deps.sh [PACKAGE[:COMMAND] ...]
#   Each argument is an apt package, optionally with the command that proves it
#   is installed (default: graphviz:dot). Already-installed packages are skipped
#   silently. When a package cannot be installed (no root, no passwordless sudo,
#   or no apt-get), one line explains why and the script still exits 0.
set -uo pipefail

if [ "$#" -eq 0 ]; then
    set -- graphviz:dot
fi

missing=()
for spec in "$@"; do
    pkg=${spec%%:*}
    cmd=${spec#*:}
    [ "$cmd" = "$spec" ] && cmd=$pkg
    [ "$pkg" = graphviz ] && [ "$cmd" = graphviz ] && cmd=dot
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

explain() {
    local pkg
    for pkg in "${missing[@]}"; do
        if [ "$pkg" = graphviz ]; then
            echo "microtensor: Graphviz's 'dot' is not installed and cannot be installed here (need root or passwordless sudo with apt-get); drawing to DOT still works, rendering SVG/PNG will not. Install it with your package manager, e.g. 'sudo apt-get install graphviz' or 'brew install graphviz'."
        else
            echo "microtensor: system package '$pkg' is not installed and cannot be installed here (need root or passwordless sudo with apt-get); install it with your package manager."
        fi
    done
}

if ! command -v apt-get >/dev/null 2>&1; then
    explain; exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    run=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
    run=(sudo -n)
else
    explain; exit 0
fi

echo "microtensor: installing ${missing[*]} with apt-get"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if "${run[@]}" apt-get update -qq >"$log" 2>&1 \
    && "${run[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
    exit 0
fi
cat "$log" >&2
echo "microtensor: apt-get could not install ${missing[*]}; continuing without it."
explain
exit 0
