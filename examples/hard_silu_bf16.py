"""A naive bfloat16 hard_silu kernel, written as a framework might: x * (x + 3) / 6 with every
operation in bfloat16 (so each one rounds), clipped at the kinks -3 and 3.

    python3 hard_silu_bf16.py x.npy y.npy
"""

import sys

import ml_dtypes
import numpy as np

bf16 = ml_dtypes.bfloat16
x = np.load(sys.argv[1]).view(bf16)  # np.save wrote bfloat16 as raw 2-byte values
with np.errstate(over="ignore", invalid="ignore"):  # inf * inf, as a kernel would meet it
    y = x * (x + bf16(3)) / bf16(6)
y = np.where(x <= bf16(-3), bf16(0), np.where(x >= bf16(3), x, y))
np.save(sys.argv[2], y)
