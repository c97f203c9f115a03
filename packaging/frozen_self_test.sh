#!/usr/bin/env bash
# The frozen app's --self-test with no network: in a network namespace of its own where one can be made (root),
# else with the Hugging Face client told to stay offline. A fresh DESKTOP_GPT_HOME, so nothing of the user's is used.
set -euo pipefail
exe=${1:-dist/desktop-gpt/desktop-gpt}
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
run=(env HF_HUB_OFFLINE=1 DESKTOP_GPT_HOME="$home" "$exe" --self-test)
if unshare -n true 2>/dev/null; then
    echo "frozen self-test, network cut off (unshare -n): $exe"
    unshare -n "${run[@]}"
else
    echo "frozen self-test with HF_HUB_OFFLINE=1 (no network namespace here): $exe"
    "${run[@]}"
fi
