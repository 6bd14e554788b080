""".npy files: the header read without unpickling anything, arrays read a window of rows at a
time (``NpySource``), and written chunk by chunk (``NpyChunks``)."""

from __future__ import annotations

import io
import math
import os
import shutil
import struct
import tempfile
import tokenize
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from actcli.errors import DataError, UsageError

from .columns import select_columns
from .inputs import (
    SECONDS_PER_TEXT_VALUE,
    SECONDS_PER_VALUE,
    Input,
    InputSource,
    Prefixed,
    rows_per_chunk,
)
from .messages import one_line

NPY_MAGIC = b"\x93NUMPY"


@dataclass(frozen=True)
class _NpyHeader:
    shape: tuple[int, ...]
    fortran_order: bool
    dtype: np.dtype


def _read_npy_header(stream: IO[bytes], source: str) -> _NpyHeader:
    """The header of a .npy stream, read without loading (or unpickling) anything; refuses
    object arrays, whose loading would unpickle. The stream is left at the data."""
    from numpy.lib import format as npy_format

    try:
        version = npy_format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = npy_format.read_array_header_1_0(stream)
        elif version in ((2, 0), (3, 0)):
            # 3.0 differs from 2.0 only in utf-8 field names (structured dtypes, refused anyway);
            # NumPy has no public 3.0 reader (and no private one at the same place in 1.x / 2.x).
            shape, fortran, dtype = npy_format.read_array_header_2_0(stream)
        else:
            raise ValueError(f"unknown .npy format version {version[0]}.{version[1]}")
    except (ValueError, OSError, EOFError, SyntaxError) as exc:
        raise DataError(f"{source} is not a readable .npy file: {one_line(exc)}") from None
    except tokenize.TokenError:  # NumPy tokenizes the header text; a forged one may not be
        message = f"{source} is not a readable .npy file: its header does not parse"
        raise DataError(message) from None
    if dtype.hasobject:
        raise DataError(
            f"{source} holds Python objects (dtype {dtype}); refused: loading them would "
            "unpickle, which can run code. Save a numeric array instead"
        )
    return _NpyHeader(tuple(shape), bool(fortran), dtype)


def read_npy(stream: IO[bytes], source: str, path: str | None = None) -> np.ndarray:
    """Loads a whole .npy array (memory-mapped when it is a file), refusing pickled objects."""
    if path in (None, "-"):
        stream = io.BytesIO(stream.read())
    _read_npy_header(stream, source)  # refuses pickles before np.load sees them
    try:
        if path in (None, "-"):
            stream.seek(0)
            array = np.load(stream, allow_pickle=False)
        else:
            array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise DataError(f"{source} is not a readable .npy file: {one_line(exc)}") from None
    return _numeric_array(array, source)


def _numeric_array(array: np.ndarray, source: str) -> np.ndarray:
    kind = array.dtype.kind
    if kind == "f":
        if array.dtype.itemsize > 8:
            raise DataError(f"{source}: dtype {array.dtype} is not supported (float16/32/64 only)")
        if not array.dtype.isnative:
            array = array.astype(array.dtype.newbyteorder("="))
        return array
    if kind in "biu":
        return array.astype(np.float64)  # ints and bools: float64, as the core does
    if kind == "c":
        raise DataError(f"{source}: complex numbers are not supported (dtype {array.dtype})")
    raise DataError(f"{source}: dtype {array.dtype} holds no numbers (float, int or bool needed)")


def _npy_names(shape: tuple[int, ...]) -> list[str]:
    return [f"x{j + 1}" for j in range(shape[1])] if len(shape) == 2 else ["x"]


def _npy_columns(shape: tuple[int, ...], columns: Sequence[str], source: str) -> list[int] | None:
    if not columns:
        return None
    if len(shape) != 2:
        raise UsageError(f"--column applies to a 2-D .npy; {source} has shape {shape}")
    return select_columns(_npy_names(shape), columns, source)


class NpySource(InputSource):
    """A .npy file or stream, read a window of rows at a time.

    A file is memory-mapped one window at a time (each window is unmapped once its chunk is
    done, so the pages read do not pile up in the resident set); a stream is read in order.
    Fortran-ordered arrays (rare) are read whole.
    """

    def __init__(
        self,
        stream: IO[bytes],
        source: str,
        path: str | None,
        columns: Sequence[str],
        dtype: str | None,
    ):
        super().__init__(dtype)
        self.stream, self.source = stream, source
        self.path = None if path in (None, "-") else path
        self.offset: int | None = None  # where the data starts in the file
        if self.path is None:
            header = _read_npy_header(stream, source)
        else:
            with open(self.path, "rb") as f:  # a handle of its own: tell() gives the offset
                header = _read_npy_header(f, source)
                self.offset = f.tell()
                size = os.fstat(f.fileno()).st_size
        self.header = header
        shape = header.shape
        count = math.prod(shape)
        if any(n < 0 for n in shape):
            raise DataError(f"{source} is not a readable .npy file: its shape {shape} is negative")
        if self.offset is not None and size - self.offset < count * header.dtype.itemsize:
            raise DataError(
                f"{source} is not a readable .npy file: its data ends after "
                f"{size - self.offset} of {count * header.dtype.itemsize} bytes"
            )
        _numeric_array(np.empty(0, header.dtype), source)  # refuses complex, strings, ...
        if self.path is None and len(shape) == 2 and count:
            # The header's width is a claim: read the first row before naming every column.
            first = _read_exactly(stream, shape[1] * header.dtype.itemsize, source)
            self.stream = io.BufferedReader(Prefixed(bytes(first), stream))
        self.picked = _npy_columns(shape, columns, source)
        names = _npy_names(shape)
        if self.picked is not None:
            names = [names[j] for j in self.picked]
        self.x_names = names
        self.ndim = len(shape) if self.picked is None or len(self.picked) > 1 else 1
        self.rows = shape[0] if shape else None
        self.total = shape[0] if shape else 1
        if count == 0:
            raise DataError(f"{source} has no values (empty input)")

    def estimated_seconds(self, *, text_output: bool) -> float:
        count = math.prod(self.header.shape)
        return count * (SECONDS_PER_TEXT_VALUE if text_output else SECONDS_PER_VALUE)

    def _select(self, array: np.ndarray) -> np.ndarray:
        array = _numeric_array(array, self.source)
        if self.picked is None:
            return array
        picked = self.picked
        return array[:, picked[0]] if len(picked) == 1 else array[:, picked]

    def _whole(self) -> np.ndarray:
        if self.path is not None:
            try:
                array = np.load(self.path, mmap_mode="r", allow_pickle=False)
            except (ValueError, OSError) as exc:
                raise DataError(
                    f"{self.source} is not a readable .npy file: {one_line(exc)}"
                ) from None
        else:
            nbytes = math.prod(self.header.shape) * self.header.dtype.itemsize
            data = _read_exactly(self.stream, nbytes, self.source)
            order = "F" if self.header.fortran_order else "C"
            array = np.frombuffer(data, self.header.dtype).reshape(self.header.shape, order=order)
        return self._select(array)

    def _chunks(self, whole: bool) -> Iterator[Input]:
        shape = self.header.shape
        if whole or not shape or (self.header.fortran_order and len(shape) > 1):
            yield Input(self._whole(), self.x_names, None, self.source, True, self.total)
            return
        step = rows_per_chunk(shape)
        row_bytes = math.prod(shape[1:]) * self.header.dtype.itemsize
        for start in range(0, shape[0], step):
            stop = min(start + step, shape[0])
            window = self._window(start, stop, row_bytes)
            yield Input(self._select(window), self.x_names, None, self.source, True, stop)
            del window  # unmapped here, so the pages read do not pile up

    def _window(self, start: int, stop: int, row_bytes: int) -> np.ndarray:
        shape = (stop - start, *self.header.shape[1:])
        if self.path is not None:
            try:
                return np.memmap(
                    self.path,
                    dtype=self.header.dtype,
                    mode="r",
                    offset=self.offset + start * row_bytes,
                    shape=shape,
                )
            except (ValueError, OSError) as exc:
                raise DataError(f"cannot read {self.source}: {one_line(exc)}") from None
        data = _read_exactly(self.stream, (stop - start) * row_bytes, self.source)
        return np.frombuffer(data, self.header.dtype).reshape(shape)


_READ_GROWTH = 1 << 26  # bytes: how far a stdin buffer runs ahead of the data received


def _read_exactly(stream: IO[bytes], nbytes: int, source: str) -> bytearray:
    # nbytes comes from the header, a claim: the buffer grows as data arrives, so a forged
    # "shape (10**12,)" on stdin ends in one line, not in MemoryError or the OOM killer.
    buffer = bytearray(min(nbytes, _READ_GROWTH))
    view = memoryview(buffer)
    done = 0
    try:
        while done < nbytes:
            if done == len(buffer):
                view.release()
                buffer.extend(bytes(min(nbytes - done, _READ_GROWTH)))
                view = memoryview(buffer)
            n = stream.readinto(view[done:])
            if not n:
                raise DataError(
                    f"{source} is not a readable .npy file: its data ends after "
                    f"{done} of {nbytes} bytes"
                )
            done += n
    except OSError as exc:
        raise DataError(f"cannot read {source}: {exc.strerror or exc}") from None
    return buffer


def _npy_header(dtype: np.dtype, shape: tuple[int, ...], *, length: int = 0) -> bytes:
    """A version 1.0 .npy header for a C-ordered array, padded with spaces to ``length`` bytes
    (at least), then to a multiple of 64 as NumPy aligns it."""
    from numpy.lib import format as npy_format

    descr = npy_format.dtype_to_descr(dtype)
    text = f"{{'descr': {descr!r}, 'fortran_order': False, 'shape': {tuple(map(int, shape))!r}, }}"
    body = text.encode("latin1")
    size = max(len(NPY_MAGIC) + 4 + len(body) + 1, length)
    size += -size % 64
    padding = size - (len(NPY_MAGIC) + 4 + len(body) + 1)
    return (
        NPY_MAGIC
        + b"\x01\x00"
        + struct.pack("<H", len(body) + padding + 1)
        + body
        + b" " * padding
        + b"\n"
    )


# Reserved when the row count is not known yet (text in): room for a 20-digit first axis.
_UNKNOWN_ROWS = 10**19


class NpyChunks:
    """Writes arrays as one .npy, chunk by chunk along the first axis.

    With ``rows`` known (a .npy or range in) the header is written first and each chunk goes
    straight out. Otherwise a single chunk is written with its own shape, and a second one makes
    the writer reserve a header with room for any row count, patched at the end (in the file
    itself, or in a temporary file copied to a pipe, which cannot seek back).
    """

    def __init__(self, open_stream: Any, *, rows: int | None, to_pipe: bool):
        self.open_stream = open_stream
        self.rows = rows
        self.to_pipe = to_pipe
        self.stream: Any = None
        self.spool: Any = None
        self.pending: np.ndarray | None = None
        self.dtype: np.dtype | None = None
        self.tail: tuple[int, ...] = ()
        self.header_size = 0
        self.written = 0

    def write(self, array: np.ndarray) -> None:
        array = np.asarray(array, order="C")  # (ascontiguousarray would make 0-d arrays 1-d)
        if self.dtype is None:
            self.dtype, self.tail = array.dtype, array.shape[1:]
            if self.rows is None:
                self.pending = array  # may be the only chunk: then it keeps its own shape
                return
            self._start((self.rows, *self.tail))
        elif array.dtype != self.dtype or array.shape[1:] != self.tail:
            raise RuntimeError(f"chunk {array.dtype}{array.shape} after {self.dtype}{self.tail}")
        if self.pending is not None:
            pending, self.pending = self.pending, None
            self._start((_UNKNOWN_ROWS, *self.tail))
            self._data(pending)
        self._data(array)

    def close(self) -> None:
        if self.pending is not None:  # one chunk: its own shape (0-d arrays included)
            self._start(self.pending.shape)
            self._data(self.pending)
            self.pending = None
        elif self.rows is None and self.dtype is not None:
            self.stream.seek(0)
            self.stream.write(
                _npy_header(self.dtype, (self.written, *self.tail), length=self.header_size)
            )
            self.stream.seek(0, os.SEEK_END)
        elif self.rows is not None and self.written != self.rows:
            raise RuntimeError(f"wrote {self.written} rows of {self.rows}")
        if self.spool is not None:
            self.spool.seek(0)
            target = self.open_stream()
            shutil.copyfileobj(self.spool, target, 1 << 20)
            self.spool.close()

    def _start(self, shape: tuple[int, ...]) -> None:
        assert self.dtype is not None
        if self.rows is None and shape and shape[0] == _UNKNOWN_ROWS and self.to_pipe:
            self.spool = self.stream = tempfile.TemporaryFile()
        else:
            self.stream = self.open_stream()
        header = _npy_header(self.dtype, shape)
        self.header_size = len(header)
        self.stream.write(header)

    def _data(self, array: np.ndarray) -> None:
        self.stream.write(memoryview(array).cast("B") if array.size else b"")
        self.written += array.shape[0] if array.ndim else 1
