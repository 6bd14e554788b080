#!/bin/sh
# A range -> a table: three activations side by side, one row per x.
set -e
actcli eval relu gelu silu --linspace -3 3 7 --format table --precision 6
