"""What a source hands on: ``Input`` chunks from an ``InputSource``, and stream helpers."""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from .messages import warn
from .text import TextTable

# Elements per chunk of an array (a .npy window, a range): 8 MB of float64.
ARRAY_CHUNK_ELEMENTS = 1 << 20
# Rough costs on a 2-core laptop-class machine, to tell a run of about a second from a short one.
SECONDS_PER_TEXT_CHAR = 8e-8  # CSV in, CSV out: ~80 ns per character of input
SECONDS_PER_TEXT_VALUE = 1e-6  # an array written as text: ~1 us per value
SECONDS_PER_VALUE = 1e-8  # an array written as .npy: ~10 ns per value


@dataclass
class Input:
    """What one source gave (all of it, or one chunk of rows).

    Attributes:
        x: the numbers to evaluate: 1-D for one column or a list of values, 2-D (rows x columns)
            for several selected columns, any shape for ``.npy``.
        x_names: the names of x's columns (``["x"]`` for values and ranges).
        table: the text table, when the input was text (its cells are written back).
        source: how messages name the input (``data.csv``, ``stdin``, ``the arguments``).
        names_known: the input named its columns (a header, or values we name ``x``), so text
            output writes a header; a header-less table comes out header-less.
        done: progress after this chunk, in the unit of ``InputSource.total``.
        missing: where x's cells were missing (True; x holds NaN there), or None when none was:
            the results there are written empty (NaN in .npy).
        vector: x is a row or a column of values (a .npy of shape (1, N) or (N, 1)): text
            output lists them one per row, as for a 1-D array.
    """

    x: np.ndarray
    x_names: list[str]
    table: TextTable | None = None
    source: str = "the arguments"
    names_known: bool = True
    done: int = 0
    missing: np.ndarray | None = None
    vector: bool = False


class InputSource:
    """One input, read whole or in chunks of rows (``open_input`` makes one).

    Attributes:
        source: how messages name the input.
        x_names: the names of x's columns; ``names_known``: as in ``Input``.
        ndim: the number of axes of x (1 or 2 for text; any for .npy).
        chunk_axis: the axis chunks run along: the first, or for a .npy whose leading axes have
            length 1 (shape (1, N)), the first longer one.
        rows: the length of x along ``chunk_axis`` when known before reading (None for text).
        total: the amount of work for a progress bar (rows, or characters of text), or None
            when unknown (a pipe).
    """

    source: str
    x_names: list[str]
    names_known: bool = True
    ndim: int = 1
    chunk_axis: int = 0
    rows: int | None = None
    total: int | None = None

    def __init__(self, dtype: str | None):
        self.dtype = dtype
        self.overflowed = 0

    def chunks(self, *, whole: bool = False) -> Iterator[Input]:
        """The input in chunks of rows along x's first axis (one chunk with ``whole``).
        Casting to --dtype happens here; a warning at the end counts overflowed values."""
        for data in self._chunks(whole):
            if self.dtype is not None:
                data.x = self._cast(data.x)
            yield data
        if self.overflowed:
            from actcli import dtypes

            became = "inf or -inf" if dtypes.format_named(self.dtype).has_inf else "NaN"
            warn(f"{self.overflowed} value(s) do not fit in {self.dtype} and became {became}")

    def close(self) -> None:
        """Releases what the source holds open (open_input calls it)."""

    def read_all(self) -> Input:
        (data,) = self.chunks(whole=True)  # run to the end: the overflow warning comes last
        return data

    def estimated_seconds(self, *, text_output: bool) -> float:
        """A rough guess of the run time, to decide whether a progress bar is worth showing."""
        return 0.0

    def _chunks(self, whole: bool) -> Iterator[Input]:
        raise NotImplementedError

    def _cast(self, x: np.ndarray) -> np.ndarray:
        from actcli import dtypes  # bfloat16 and float8 round through it, exactly once

        fmt = dtypes.format_named(self.dtype)
        if x.dtype == fmt.dtype:
            return x
        wide = dtypes.to_float64(x)
        with np.errstate(over="ignore", invalid="ignore"):  # counted and reported at the end
            out = x.astype(fmt.dtype) if not fmt.is_low_precision else dtypes.cast(wide, fmt)
            self.overflowed += int(np.count_nonzero(~np.isfinite(out) & np.isfinite(wide)))
        return out


def rows_per_chunk(shape: tuple[int, ...]) -> int:
    row = math.prod(shape[1:])
    return max(1, ARRAY_CHUNK_ELEMENTS // max(row, 1))


def peek(stream: IO[bytes], n: int) -> tuple[bytes, IO[bytes]]:
    """The first n bytes, and a buffered stream that still starts with them."""
    head = stream.read(n)
    return head, io.BufferedReader(Prefixed(head, stream))


class Prefixed(io.RawIOBase):
    """A read-only binary stream: some bytes already read, then the rest of another stream."""

    def __init__(self, head: bytes, rest: IO[bytes]):
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
