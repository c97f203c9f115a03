#!/usr/bin/env bash
# The frozen app's checks with no network: --self-test (CLI: load the bundled model, generate), `serve` on a loopback
# port asked for its models and two tiny chat completions (frozen_serve_check.py: uvicorn and anyio load modules by
# name), then the window offscreen until the model is ready (DESKTOP_GPT_STARTUP_REPORT=1), so a Qt part the spec
# left out by mistake is caught too. In a network namespace of its own where one can be made (root), else with the
# Hugging Face client told to stay offline. A fresh DESKTOP_GPT_HOME each, so nothing of the user's is used.
set -euo pipefail
exe=${1:-dist/desktop-gpt/desktop-gpt}
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
offline=()
loopback=()
if unshare -n true 2>/dev/null; then
    offline=(unshare -n)
    loopback=(--loopback-up)  # a new network namespace starts with its loopback interface down
    echo "frozen checks, network cut off (unshare -n): $exe"
else
    echo "frozen checks with HF_HUB_OFFLINE=1 (no network namespace here): $exe"
fi
"${offline[@]}" env HF_HUB_OFFLINE=1 DESKTOP_GPT_HOME="$home/cli" "$exe" --self-test
"${offline[@]}" env HF_HUB_OFFLINE=1 DESKTOP_GPT_HOME="$home/serve" "${PYTHON:-python3}" \
    "$(dirname "$0")/frozen_serve_check.py" "$exe" "${loopback[@]}"
report=$("${offline[@]}" env HF_HUB_OFFLINE=1 DESKTOP_GPT_HOME="$home/gui" DESKTOP_GPT_STARTUP_REPORT=1 \
    QT_QPA_PLATFORM=offscreen timeout 300 "$exe" 2>"$home/gui.err") || { cat "$home/gui.err" >&2; exit 1; }
echo "$report"
grep -q '"event": "window"' <<<"$report" && grep -q '"event": "model", "s": [0-9.]*, "ok": true' <<<"$report" \
    || { echo "the frozen window did not open or load the model" >&2; tail -20 "$home/gui.err" >&2; exit 1; }
