#!/usr/bin/env bash
# Screenshots of the built documentation in headless Chromium, to look at what a reader sees:
# the landing page, a claim page with its recorded checks, the gallery, the API of numerics
# (and a theory page when docs/theory/ exists).
#
#   tools/screenshots.sh [SITE] [OUT]     # defaults: docs/_build/html and docs/_build/screenshots
#
# Build the site first (python -m sphinx -W --keep-going -b html docs docs/_build/html).
# Needs chromium (Debian: apt-get install chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
site="${1:-docs/_build/html}"
out="${2:-docs/_build/screenshots}"
[ -f "$site/index.html" ] || { echo "screenshots: no built site in $site (build it first)" >&2; exit 2; }
mkdir -p "$out"
pages=(index families/T gallery/index api/numerics)
theory=$(cd "$site" && ls theory/*.html 2>/dev/null | grep -v '/index.html$' | head -1 || true)
[ -n "$theory" ] && pages+=("${theory%.html}")
for page in "${pages[@]}"; do
    png="$out/$(echo "$page" | tr / _).png"
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --virtual-time-budget=5000 \
        --window-size=1280,2000 --screenshot="$png" "file://$(realpath "$site/$page.html")" 2>/dev/null
    echo "$png"
done
