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
app="$here/FindMyFigurine"
# Exec= takes a quoted argument (desktop entry spec): inside the quotes a backslash is
# written \\\\ and " ` $ get \\ before them, and a literal % is %%. TryExec is a plain string.
exec_arg=$(printf '%s' "$app" | sed -e 's/\\/\\\\\\\\/g' -e 's/["`$]/\\\\&/g' -e 's/%/%%/g')
try_exec=$(printf '%s' "$app" | sed -e 's/\\/\\\\/g')
# Both go into a sed replacement, where \ & and the | delimiter are special.
for_sed() { printf '%s' "$1" | sed -e 's/[\\&|]/\\&/g'; }
sed -e "s|^Exec=.*|Exec=\"$(for_sed "$exec_arg")\" %F|" \
    -e "s|^TryExec=.*|TryExec=$(for_sed "$try_exec")|" \
    "$here/fmf-desktop.desktop" > "$data/applications/fmf-desktop.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$data/applications" || true
echo "Find My Figurine added to the application menu ($data/applications)."
