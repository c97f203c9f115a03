#!/bin/sh
# Put Desktop GPT from this folder into your own app menu, without root: a launcher in
# ~/.local/share/applications, its icons, and ~/.local/bin/desktop-gpt for the command line.
#   ./install.sh              add it
#   ./install.sh --uninstall  take those entries away again
# Your chats, settings and models (~/.local/share/desktop-gpt, ~/.config/desktop-gpt) are never touched.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
bin=$HOME/.local/bin

if [ "${1:-}" = "--uninstall" ]; then
    rm -f "$data/applications/desktop-gpt.desktop" "$bin/desktop-gpt"
    find "$data/icons/hicolor" -name 'desktop-gpt.*' -type f -delete 2>/dev/null || true
    echo "Desktop GPT is no longer in your menu. Your chats, settings and models are kept."
    exit 0
fi

mkdir -p "$data/applications" "$data/icons" "$bin"
cp -R "$here/share/icons/hicolor" "$data/icons/"
sed -e "s|^Exec=.*|Exec=\"$here/desktop-gpt\"|" -e "s|^TryExec=.*|TryExec=$here/desktop-gpt|" \
    "$here/share/applications/desktop-gpt.desktop" > "$data/applications/desktop-gpt.desktop"
ln -sf "$here/desktop-gpt" "$bin/desktop-gpt"
if command -v update-desktop-database >/dev/null 2>&1; then update-desktop-database -q "$data/applications" || true; fi
if command -v gtk-update-icon-cache >/dev/null 2>&1; then gtk-update-icon-cache -q -t "$data/icons/hicolor" || true; fi
echo "Desktop GPT is in your app menu (and 'desktop-gpt' in ~/.local/bin). To remove it: $0 --uninstall"
