#!/usr/bin/env bash
# The frozen app's checks with no network: --self-test (CLI: load the bundled model, generate), then the window
# offscreen until the model is ready (DESKTOP_GPT_STARTUP_REPORT=1), so a Qt part the spec left out by mistake is
# caught too. In a network namespace of its own where one can be made (root), else with the Hugging Face client told
# to stay offline. A fresh DESKTOP_GPT_HOME each, so nothing of the user's is used.
set -euo pipefail
exe=${1:-dist/desktop-gpt/desktop-gpt}
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
offline=()
if unshare -n true 2>/dev/null; then
    offline=(unshare -n)
    echo "frozen checks, network cut off (unshare -n): $exe"
else
    echo "frozen checks with HF_HUB_OFFLINE=1 (no network namespace here): $exe"
fi
"${offline[@]}" env HF_HUB_OFFLINE=1 DESKTOP_GPT_HOME="$home/cli" "$exe" --self-test
report=$("${offline[@]}" env HF_HUB_OFFLINE=1 DESKTOP_GPT_HOME="$home/gui" DESKTOP_GPT_STARTUP_REPORT=1 \
    QT_QPA_PLATFORM=offscreen timeout 300 "$exe" 2>"$home/gui.err") || { cat "$home/gui.err" >&2; exit 1; }
echo "$report"
grep -q '"event": "window"' <<<"$report" && grep -q '"event": "model", "s": [0-9.]*, "ok": true' <<<"$report" \
    || { echo "the frozen window did not open or load the model" >&2; tail -20 "$home/gui.err" >&2; exit 1; }
