#!/usr/bin/env bash
# The Debian/Ubuntu packages that building, testing and freezing Desktop GPT need, installed when missing
# (as root, non-interactive; nothing happens when they are all there). Used by .ci/run; safe to run by hand.
# The Qt runtime libraries are the .deb's Depends (packaging/system_libs.py; tests/unit/test_packaging.py checks
# that this list covers them).
set -euo pipefail
packages=(
    # llama-cpp-python is built from source; PyInstaller reads ELF files with binutils
    build-essential cmake binutils
    # unshare (the frozen self-test with the network cut off)
    util-linux
    # what Qt's xcb platform plugin and Qt itself load (also with QT_QPA_PLATFORM=offscreen)
    libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-render0
    libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-xfixes0 libxcb-xkb1 libxcb-util1 libxcb1 libx11-xcb1 libx11-6
    libxkbcommon-x11-0 libxkbcommon0 libxcb-glx0 libfontconfig1 libfreetype6 libegl1 libgl1 libglx0 libglvnd0
    libglib2.0-0 libdbus-1-3 libzstd1 libwayland-client0 libwayland-cursor0 libwayland-egl1 libdrm2 libgbm1
)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || dpkg-query -W -f='${Status}' "${p}t64" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "system packages: all ${#packages[@]} present"
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "Missing system packages (install them as root): ${missing[*]}" >&2
    exit 1
fi
echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
for attempt in 1 2 3 4 5 6; do  # another apt may hold the lock on a shared machine
    log=$(mktemp)
    if apt-get -o DPkg::Lock::Timeout=120 update -qq >"$log" 2>&1 \
        && apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends "${missing[@]}" \
            </dev/null >>"$log" 2>&1; then
        rm -f "$log"
        exit 0
    fi
    tail -20 "$log" >&2
    echo "apt-get failed (attempt $attempt); retrying in 10 s" >&2
    sleep 10
done
exit 1
