#!/bin/sh
# Regenerates the images README.md embeds, with the commands a user would type.
#   sh examples/make_images.sh            # writes examples/gallery.png and examples/compare.png
#   sh examples/make_images.sh /tmp/out   # writes them somewhere else (tests do this)
# ACTCLI=... picks another executable (default: actcli on PATH).
set -eu
out="${1:-$(dirname "$0")}"
ACTCLI="${ACTCLI:-actcli}"
"$ACTCLI" plot --all -o "$out/gallery.png"
"$ACTCLI" plot gelu silu --xlim -4 4 --title "gelu and silu, with their derivatives (dashed)" \
    -o "$out/compare.png"
