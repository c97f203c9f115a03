#!/usr/bin/env bash
# Wrap dist/Desktop GPT.app (from packaging/desktop-gpt.spec on macOS) in a compressed .dmg with a link to
# /Applications, so installing is a drag. Unsigned unless CODESIGN_IDENTITY is set (then the app is signed with the
# hardened runtime; notarisation needs Apple credentials and is left to the release manager).
# Built and tested only by .github/workflows/build.yml (no Mac here).
set -euo pipefail
cd "$(dirname "$0")/../.."
version=$(python -c "import desktop_gpt; print(desktop_gpt.__version__)")
app="dist/Desktop GPT.app"
test -d "$app" || { echo "no $app: run pyinstaller packaging/desktop-gpt.spec first" >&2; exit 1; }
if [ -n "${CODESIGN_IDENTITY:-}" ]; then
    codesign --force --deep --options runtime --sign "$CODESIGN_IDENTITY" "$app"
fi
stage=$(mktemp -d)
cp -R "$app" "$stage/"
ln -s /Applications "$stage/Applications"
out="dist/Desktop GPT-${version}-${VARIANT:-metal}.dmg"
rm -f "$out"
hdiutil create -volname "Desktop GPT" -srcfolder "$stage" -ov -format UDZO "$out"
rm -rf "$stage"
echo "$out"
