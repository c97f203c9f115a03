#!/usr/bin/env bash
# End-to-end check of the .deb on this machine (needs root; it installs and removes the package):
#   1. apt installs dist/desktop-gpt_*.deb with its Depends;
#   2. the launcher and metainfo pass desktop-file-validate and appstreamcli validate --no-net;
#   3. /usr/bin/desktop-gpt --self-test answers with the network cut off;
#   4. the launcher's Exec line opens the window under Xvfb (startup report: window painted, model ready), and
#      a second start is photographed (build/check-deb/window.png);
#   5. dpkg -r removes the package and the user's data (chats, settings) is still there.
# Usage: bash packaging/check_deb.sh [path/to/desktop-gpt_*.deb]
set -euo pipefail
cd "$(dirname "$0")/.."
deb=${1:-$(ls -t dist/desktop-gpt_*.deb | head -1)}
out=build/check-deb
rm -rf "$out"; mkdir -p "$out"
export DEBIAN_FRONTEND=noninteractive
say() { printf '\n== %s\n' "$*"; }
apt_get() {  # apt may be locked by another job on a shared machine: retry; its chatter goes to a log
    for _ in $(seq 1 30); do
        apt-get -o DPkg::Lock::Timeout=60 "$@" </dev/null >>"$out/apt.log" 2>&1 && return 0
        sleep 5
    done
    tail -20 "$out/apt.log"; return 1
}

say "tools: xvfb, desktop-file-utils, appstream"
need=()
command -v xvfb-run >/dev/null || need+=(xvfb xauth)
command -v desktop-file-validate >/dev/null || need+=(desktop-file-utils)
command -v xwininfo >/dev/null || need+=(x11-utils)
command -v appstreamcli >/dev/null || need+=(appstream)
if [ ${#need[@]} -gt 0 ]; then apt_get update -qq; apt_get install -y -qq --no-install-recommends "${need[@]}"; fi

say "install $deb"
dpkg -r desktop-gpt >/dev/null 2>&1 || true
apt_get install -y -qq --no-install-recommends "./$deb"
dpkg -s desktop-gpt | grep -E '^(Version|Depends|Installed-Size):'
test -x /opt/desktop-gpt/desktop-gpt && test -L /usr/bin/desktop-gpt

say "validate the launcher and the metainfo"
desktop-file-validate /usr/share/applications/desktop-gpt.desktop
appstreamcli validate --no-net /usr/share/metainfo/io.github.desktopgpt.DesktopGPT.metainfo.xml
ls /usr/share/icons/hicolor/*/apps/desktop-gpt.* | wc -l | xargs echo "icons installed:"

# A user's home with data in it, as after real use.
user_home=$(mktemp -d)
export HOME=$user_home XDG_CONFIG_HOME=$user_home/.config XDG_DATA_HOME=$user_home/.local/share \
       XDG_STATE_HOME=$user_home/.local/state XDG_CACHE_HOME=$user_home/.cache HF_HUB_OFFLINE=1
unset DESKTOP_GPT_HOME QT_QPA_PLATFORM DISPLAY WAYLAND_DISPLAY

say "/usr/bin/desktop-gpt --self-test, network cut off"
if unshare -n true 2>/dev/null; then unshare -n /usr/bin/desktop-gpt --self-test; else /usr/bin/desktop-gpt --self-test; fi
/usr/bin/desktop-gpt chat --save "Say hello" > "$out/chat.txt"
test -s "$XDG_DATA_HOME/desktop-gpt/desktop-gpt.sqlite3"

say "the launcher's Exec line opens the window (Xvfb)"
exec_line=$(sed -n 's/^Exec=//p' /usr/share/applications/desktop-gpt.desktop)
echo "Exec=$exec_line"
DESKTOP_GPT_STARTUP_REPORT=1 timeout 300 xvfb-run -a -s "-screen 0 1280x860x24" sh -c "$exec_line" \
    | tee "$out/startup.jsonl"
grep -q '"event": "window"' "$out/startup.jsonl" && grep -q '"event": "model", "s": [0-9.]*, "ok": true' "$out/startup.jsonl"

say "screenshot of the window"
# Started again from the Exec line; once its window is mapped (xwininfo), Qt grabs the screen.
timeout 300 xvfb-run -a -s "-screen 0 1280x860x24" sh -c "
    $exec_line & app=\$!
    for _ in \$(seq 1 240); do xwininfo -root -tree | grep -q 'Desktop GPT' && break; sleep 0.5; done
    sleep 5
    QT_QPA_PLATFORM=xcb .venv/bin/python -c '
import sys
from PySide6.QtGui import QGuiApplication
app = QGuiApplication(sys.argv)
sys.exit(0 if app.primaryScreen().grabWindow(0).save(sys.argv[1]) else 1)' '$out/window.png'
    kill \$app; wait \$app 2>/dev/null || true"
test -s "$out/window.png" && echo "screenshot: $out/window.png"

say "remove the package; the user's data stays"
dpkg -r desktop-gpt
test ! -e /usr/bin/desktop-gpt && test ! -e /opt/desktop-gpt
test -s "$XDG_DATA_HOME/desktop-gpt/desktop-gpt.sqlite3" && test -d "$XDG_CONFIG_HOME/desktop-gpt"
ls -la "$XDG_DATA_HOME/desktop-gpt" "$XDG_CONFIG_HOME/desktop-gpt"
rm -rf "$user_home"
say "check-deb: all steps passed"
