#!/bin/sh
# Adds Find My Figurine to the desktop's application menu for the current user only
# (no root needed): copies the .desktop file and icon into ~/.local/share with Exec
# pointing at this unpacked folder. Run it again after moving the folder; remove with
#   rm ~/.local/share/applications/fmf-desktop.desktop \
#      ~/.local/share/icons/hicolor/256x256/apps/fmf-desktop.png
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
mkdir -p "$data/applications" "$data/icons/hicolor/256x256/apps"
cp "$here/fmf-desktop.png" "$data/icons/hicolor/256x256/apps/fmf-desktop.png"
sed -e "s|^Exec=.*|Exec=\"$here/FindMyFigurine\" %F|" \
    -e "s|^TryExec=.*|TryExec=$here/FindMyFigurine|" \
    "$here/fmf-desktop.desktop" > "$data/applications/fmf-desktop.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$data/applications" || true
echo "Find My Figurine added to the application menu ($data/applications)."
