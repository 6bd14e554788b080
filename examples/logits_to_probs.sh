#!/bin/sh
# A CSV of logits -> probabilities: each row is one vector; the id column is kept and the
# softmax columns are appended, header preserved.
set -e
cd "$(dirname "$0")"
actcli eval softmax -i logits.csv --precision 6
