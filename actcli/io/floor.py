"""The CSV yardstick (``csv_floor``)."""

from __future__ import annotations


def csv_floor(source: str, target: str) -> None:
    """The least work any CSV evaluator does, the floor actcli's CSV speed is measured against
    (``benchmarks/bench.py``, ``tests/test_streaming.py``): parse a one-column CSV with a header
    line into float64, format one float per row with ``repr`` (the shortest round-trip text, as
    actcli prints it) and write it beside the input cell. No checks and no activation.

    It uses nothing but NumPy and the standard library, so a benchmark can time it in a fresh
    interpreter from ``inspect.getsource(csv_floor)`` without importing actcli.
    """
    import numpy as np

    with open(source) as f:
        f.readline()  # the header
        cells = f.read().split()
    values = np.array(cells, dtype=np.float64).tolist()
    step = 1 << 16
    with open(target, "w") as out:
        out.write("x,y\n")
        for i in range(0, len(cells), step):
            pairs = zip(cells[i : i + step], values[i : i + step], strict=True)
            out.write("".join([f"{c},{v!r}\n" for c, v in pairs]))
