#!/bin/sh
# Pipes: data on stdin, CSV out when stdout is not a terminal, JSON lines on request.
set -e
seq -2 2 | actcli eval relu leaky_relu -d
printf 'x\n-1\n0.5\n' | actcli eval elu:alpha=0.5 --format jsonl
