#!/bin/sh
# NPY in -> NPY out: the array's shape and dtype are kept (float32 stays float32).
set -e
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -c "import numpy as np; np.save('$work/x.npy', np.linspace(-2, 2, 6, dtype=np.float32).reshape(2, 3))"
actcli eval sigmoid -i "$work/x.npy" -o "$work/y.npy"
python3 -c "import numpy as np; y = np.load('$work/y.npy'); print(y.dtype, y.shape); print(y)"
