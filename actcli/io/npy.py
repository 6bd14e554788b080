""".npy files: the header read without unpickling anything, arrays read a window of rows at a
time (``NpySource``), and written chunk by chunk (``NpyChunks``)."""

from __future__ import annotations

import io
import math
import os
import struct
import tokenize
import warnings
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
    rows_per_chunk,
)
from .messages import one_line, size_text

NPY_MAGIC = b"\x93NUMPY"
# Work on a whole array at once (softmax of one long vector) takes about this many times its
# size: the input, the result and the core's temporaries (six arrays for softmax).
WHOLE_WORK_FACTOR = 8


@dataclass(frozen=True)
class _NpyHeader:
    shape: tuple[int, ...]
    fortran_order: bool
    dtype: np.dtype
    # np.save writes ml_dtypes' float8_e5m2 as '<f1', which NumPy cannot read back: read as
    # bytes ('|V1') and named here.
    named: str | None = None


class _Recorder:
    """A stream that keeps what was read from it (a .npy header: at most NumPy's 10,000 bytes
    plus 12), so a header NumPy refuses can be read again, amended."""

    def __init__(self, stream: IO[bytes]):
        self.stream = stream
        self.data = bytearray()

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size)
        self.data += chunk
        return chunk


def _read_npy_header(stream: IO[bytes], source: str) -> _NpyHeader:
    """The header of a .npy stream, read without loading (or unpickling) anything; refuses
    object arrays, whose loading would unpickle. The stream is left at the data."""
    recorder = _Recorder(stream)
    named = None
    try:
        with warnings.catch_warnings():
            # NumPy warns about headers Python 2 wrote ("3L"): they read the same, quietly.
            warnings.simplefilter("ignore")
            try:
                shape, fortran, dtype = _header_fields(recorder)
            except ValueError:
                amended = bytes(recorder.data)
                for descr in (b"'<f1'", b"'|f1'"):  # the same length: the header's size holds
                    amended = amended.replace(descr, b"'|V1'")
                if amended == bytes(recorder.data):
                    raise
                shape, fortran, dtype = _header_fields(io.BytesIO(amended))
                named = "float8_e5m2"
    except (ValueError, OSError, EOFError, SyntaxError) as exc:
        raise DataError(f"{source} is not a readable .npy file: {one_line(exc)}") from None
    except (tokenize.TokenError, RecursionError, MemoryError):
        # NumPy tokenizes and evaluates the header text; a forged one may not tokenize, or nest
        # "(" 3,000 deep.
        message = f"{source} is not a readable .npy file: its header does not parse"
        raise DataError(message) from None
    if dtype.hasobject:
        raise DataError(
            f"{source} holds Python objects (dtype {dtype}); refused: loading them would "
            "unpickle, which can run code. Save a numeric array instead"
        )
    return _NpyHeader(tuple(shape), bool(fortran), dtype, named)


def _low_precision_format(header: _NpyHeader, dtype: str | None, source: str) -> np.dtype | None:
    """The ml_dtypes format of a .npy whose dtype is raw bytes ('<V2', '<V1'), as np.save
    writes bfloat16 and float8 arrays: 2 bytes are bfloat16 (the only such format), 1 byte
    needs --dtype to say which float8 (float8_e5m2 written as '<f1' names itself)."""
    d = header.dtype
    if d.kind != "V" or d.fields is not None or d.subdtype is not None or d.itemsize not in (1, 2):
        return None
    from actcli import dtypes

    if header.named is not None:
        return dtypes.dtype_named(header.named)
    if d.itemsize == 2:
        return dtypes.dtype_named("bfloat16")
    if dtype is not None and dtype.startswith("float8"):
        return dtypes.dtype_named(dtype)
    float8 = [n for n in dtypes.LOW_PRECISION if n.startswith("float8")]
    raise DataError(
        f"{source} holds 1-byte values of no NumPy type (dtype {d.str}, as np.save writes "
        f"ml_dtypes' float8 arrays): name their format with --dtype ({', '.join(float8)})"
    )


def _header_fields(stream: Any) -> tuple[Any, Any, np.dtype]:
    from numpy.lib import format as npy_format

    version = npy_format.read_magic(stream)
    if version == (1, 0):
        return npy_format.read_array_header_1_0(stream)
    if version in ((2, 0), (3, 0)):
        # 3.0 differs from 2.0 only in utf-8 field names (structured dtypes, refused anyway);
        # NumPy has no public 3.0 reader (and no private one at the same place in 1.x / 2.x).
        return npy_format.read_array_header_2_0(stream)
    raise ValueError(f"unknown .npy format version {version[0]}.{version[1]}")


def read_npy(stream: IO[bytes], source: str, path: str | None = None) -> np.ndarray:
    """Loads a whole .npy array (read from ``path`` when given, else from ``stream``), refusing
    pickled objects; bfloat16 and float8_e5m2 arrays saved by np.save come back in their own
    dtype."""
    npy_source = NpySource(stream, source, path, (), None)
    try:
        return npy_source.read_all().x
    finally:
        npy_source.close()


def _numeric_array(array: np.ndarray, source: str) -> np.ndarray:
    if getattr(array.dtype.type, "__module__", "") == "ml_dtypes":
        from actcli import dtypes

        dtypes.format_of(array.dtype)  # one of the formats actcli rounds to, or UsageError
        return array
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


class ColumnNames(Sequence[str]):
    """x1, x2, ... for the columns of a 2-D array, made when asked for (a row of 10^7 values
    does not get 10^7 names up front)."""

    def __init__(self, count: int):
        self.count = count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, j: Any) -> Any:
        if isinstance(j, slice):
            return [f"x{i + 1}" for i in range(*j.indices(self.count))]
        if not -self.count <= j < self.count:
            raise IndexError(j)
        return f"x{j % self.count + 1}"


def _npy_columns(shape: tuple[int, ...], columns: Sequence[str], source: str) -> list[int] | None:
    if not columns:
        return None
    if len(shape) != 2:
        raise UsageError(f"--column applies to a 2-D .npy; {source} has shape {shape}")
    return select_columns(ColumnNames(shape[1]), columns, source)


class NpySource(InputSource):
    """A .npy file or stream, read in order a chunk at a time.

    Chunks run along the first axis longer than 1 (rows, or the values of a (1, N) row), so
    memory stays flat whatever the shape. Files are read, not memory-mapped: a file that
    shrinks while it is read ends in one line, not in SIGBUS. Fortran-ordered arrays (rare) are
    read whole. An array of shape (1, N) or (N, 1) is a list of N values (``vector``).
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
        self.file: IO[bytes] | None = None
        try:
            self._open(stream, source, path, columns)
        except BaseException:
            self.close()  # the handle of a file refused on the way
            raise

    def _open(
        self, stream: IO[bytes], source: str, path: str | None, columns: Sequence[str]
    ) -> None:
        self.stream, self.source = stream, source
        self.consumed = 0  # bytes of data read from a stream so far (for messages)
        if path in (None, "-"):
            header = _read_npy_header(stream, source)
        else:  # a handle of its own, unbuffered: reads go straight into the arrays
            try:
                self.file = open(path, "rb", buffering=0)  # closed by close()
            except OSError as exc:
                raise DataError(f"cannot read {source}: {exc.strerror or exc}") from None
            header = _read_npy_header(self.file, source)
            self.stream = self.file
            size = os.fstat(self.file.fileno()).st_size - self.file.tell()
        self.header = header
        shape = header.shape
        count = math.prod(shape)
        if any(n < 0 for n in shape):
            raise DataError(f"{source} is not a readable .npy file: its shape {shape} is negative")
        if self.file is not None and size < count * header.dtype.itemsize:
            raise DataError(
                f"{source} is not a readable .npy file: its data ends after "
                f"{size} of {count * header.dtype.itemsize} bytes"
            )
        self.view_as = _low_precision_format(header, self.dtype, source)
        if self.view_as is None:
            _numeric_array(np.empty(0, header.dtype), source)  # refuses complex, strings, ...
        self.picked = _npy_columns(shape, columns, source)
        self.vector = self.picked is None and len(shape) == 2 and 1 in shape
        names: Sequence[str] = ColumnNames(shape[1]) if len(shape) == 2 else ["x"]
        if self.picked is not None:
            names = [names[j] for j in self.picked]
        self.x_names = ["x"] if self.vector else names  # type: ignore[assignment]
        self.ndim = len(shape) if self.picked is None or len(self.picked) > 1 else 1
        whole_only = header.fortran_order and len(shape) > 1
        self.chunk_axis = 0
        if self.picked is None and not whole_only:
            self.chunk_axis = next((i for i, n in enumerate(shape) if n > 1), 0)
        self.rows = shape[self.chunk_axis] if shape else None
        self.total = self.rows if shape else 1
        if count == 0:
            raise DataError(f"{source} has no values (empty input)")

    def close(self) -> None:
        if self.file is not None:
            self.file.close()

    def estimated_seconds(self, *, text_output: bool) -> float:
        count = math.prod(self.header.shape)
        return count * (SECONDS_PER_TEXT_VALUE if text_output else SECONDS_PER_VALUE)

    def _select(self, array: np.ndarray) -> np.ndarray:
        if self.view_as is not None:
            array = array.view(self.view_as)  # bfloat16 / float8 bytes: no copy
        array = _numeric_array(array, self.source)
        if self.picked is None:
            return array
        picked = self.picked
        return array[:, picked[0]] if len(picked) == 1 else array[:, picked]

    def _input(self, x: np.ndarray, done: int) -> Input:
        return Input(x, self.x_names, None, self.source, True, done, vector=self.vector)

    def _chunks(self, whole: bool) -> Iterator[Input]:
        shape = self.header.shape
        if whole or not shape or (self.header.fortran_order and len(shape) > 1):
            order = "F" if self.header.fortran_order else "C"
            array = self._read(shape, order=order, what="as one array")
            yield self._input(self._select(array), self.total or 1)
            return
        axis = self.chunk_axis
        inner = shape[axis + 1 :]
        step = rows_per_chunk((shape[axis], *inner))
        for start in range(0, shape[axis], step):
            stop = min(start + step, shape[axis])
            window = self._read((*shape[:axis], stop - start, *inner))
            yield self._input(self._select(window), stop)

    def _read(self, shape: tuple[int, ...], *, order: str = "C", what: str = "") -> np.ndarray:
        """The next ``shape`` of data, read into a new array."""
        nbytes = math.prod(shape) * self.header.dtype.itemsize
        available = _available_memory()
        if what and available is not None and nbytes * WHOLE_WORK_FACTOR > available:
            raise DataError(_too_big(self.source, nbytes, what, available))
        if self.file is None:
            total = math.prod(self.header.shape) * self.header.dtype.itemsize
            data = _read_exactly(
                self.stream, nbytes, self.source, what, before=self.consumed, total=total
            )
            self.consumed += nbytes
            return np.frombuffer(data, self.header.dtype).reshape(shape, order=order)
        try:
            array = np.empty(shape, self.header.dtype, order=order)
        except (MemoryError, ValueError):
            raise DataError(_too_big(self.source, nbytes, what)) from None
        _read_into(self.file, memoryview(array.reshape(-1, order="A")).cast("B"), self.source)
        return array


def _too_big(source: str, nbytes: int, what: str, available: int | None = None) -> str:
    if available is None:
        return f"{source}: its {size_text(nbytes)} of data do not fit in memory"
    return (
        f"{source}: its {size_text(nbytes)} of data, read {what} (an axis-wise function along "
        f"its first axis takes the whole input), need about {size_text(nbytes * WHOLE_WORK_FACTOR)}"
        f" of memory; {size_text(available)} is available"
    )


def _available_memory() -> int | None:
    """MemAvailable from /proc/meminfo (Linux), in bytes, or None. With overcommit a larger
    allocation succeeds, and the OOM killer ends the run later without a word."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _fill(stream: IO[bytes], view: memoryview, source: str) -> int:
    """Reads into ``view`` until it is full or the stream ends; returns the bytes read."""
    done = 0
    try:
        while done < len(view):
            n = stream.readinto(view[done:])
            if not n:
                break
            done += n
    except OSError as exc:
        raise DataError(f"cannot read {source}: {exc.strerror or exc}") from None
    return done


def _read_into(file: IO[bytes], view: memoryview, source: str) -> None:
    """Fills ``view`` from ``file``; a short read means the file shrank while it was read."""
    done = _fill(file, view, source)
    if done < len(view):
        raise DataError(
            f"{source} became shorter while it was read (its data ends after "
            f"{done} more bytes of {len(view)}): was it being written?"
        )


_READ_GROWTH = 1 << 26  # bytes: how far a stdin buffer runs ahead of the data received


def _read_exactly(
    stream: IO[bytes], nbytes: int, source: str, what: str = "", *, before: int = 0, total: int = 0
) -> bytearray:
    """``nbytes`` from ``stream``; messages count ``before`` bytes read earlier, of ``total``."""
    # nbytes comes from the header, a claim: the buffer grows as data arrives, so a forged
    # "shape (10**12,)" on stdin ends in one line, not in MemoryError or the OOM killer.
    buffer = bytearray()
    done = 0
    try:
        while done < nbytes:
            buffer.extend(bytes(min(nbytes - done, _READ_GROWTH)))
            with memoryview(buffer) as view:
                got = _fill(stream, view[done:], source)
            done += got
            if done < len(buffer):
                raise DataError(
                    f"{source} is not a readable .npy file: its data ends after "
                    f"{before + done} of {max(total, before + nbytes)} bytes"
                )
    except MemoryError:
        raise DataError(_too_big(source, nbytes, what)) from None
    return buffer


def _npy_header(dtype: np.dtype, shape: tuple[int, ...], *, length: int = 0) -> bytes:
    """A version 1.0 .npy header for a C-ordered array, padded with spaces to ``length`` bytes
    (at least), then to a multiple of 64 as NumPy aligns it."""
    from numpy.lib import format as npy_format

    descr = npy_format.dtype_to_descr(dtype)
    if getattr(dtype.type, "__module__", "") == "ml_dtypes":
        # As np.save writes bfloat16 and float8 (raw bytes), except float8_e5m2: '<f1' from
        # np.save cannot be read back by np.load.
        descr = f"<V{dtype.itemsize}"
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
    """Writes arrays as one .npy, chunk by chunk along ``axis`` (the first, or for a (1, N) row
    the second: chunks along the first axis longer than 1 follow one another in C order).

    With ``rows`` (the length along ``axis``) known (a .npy or range in) the header is written
    first and each chunk goes straight out. Otherwise a single chunk is written with its own
    shape, and a second one makes the writer reserve a header with room for any row count,
    patched at the end (in the file itself, or in a temporary file copied to a pipe, which
    cannot seek back).
    """

    def __init__(self, open_stream: Any, *, rows: int | None, to_pipe: bool, axis: int = 0):
        self.open_stream = open_stream
        self.rows = rows
        self.to_pipe = to_pipe
        self.axis = axis
        self.stream: Any = None
        self.spool: Any = None
        self.pending: np.ndarray | None = None
        self.dtype: np.dtype | None = None
        self.shape: tuple[int, ...] = ()  # the chunks' shape, the length along axis aside
        self.header_size = 0
        self.written = 0

    def _shape(self, length: int) -> tuple[int, ...]:
        return _with(self.shape, self.axis, length)

    def write(self, array: np.ndarray) -> None:
        array = np.asarray(array, order="C")  # (ascontiguousarray would make 0-d arrays 1-d)
        if array.ndim <= self.axis:
            self.axis = 0  # a 0-d result
        if self.dtype is None:
            self.dtype, self.shape = array.dtype, array.shape
            if self.rows is None:
                self.pending = array  # may be the only chunk: then it keeps its own shape
                return
            self._start(self._shape(self.rows))
        elif array.dtype != self.dtype or self._shape(0) != _with(array.shape, self.axis, 0):
            raise RuntimeError(f"chunk {array.dtype}{array.shape} after {self.dtype}{self.shape}")
        if self.pending is not None:
            pending, self.pending = self.pending, None
            self._start(self._shape(_UNKNOWN_ROWS))
            self._data(pending)
        self._data(array)

    def close(self) -> None:
        if self.pending is not None:  # one chunk: its own shape (0-d arrays included)
            self._start(self.pending.shape)
            self._data(self.pending)
            self.pending = None
        elif self.rows is None and self.dtype is not None:
            self.stream.seek(0)
            header = _npy_header(self.dtype, self._shape(self.written), length=self.header_size)
            self.stream.write(header)
            self.stream.seek(0, os.SEEK_END)
        elif self.rows is not None and self.written != self.rows:
            raise RuntimeError(f"wrote {self.written} rows of {self.rows}")
        if self.spool is not None:
            self.spool.seek(0)
            target = self.open_stream()
            import shutil

            shutil.copyfileobj(self.spool, target, 1 << 20)
            self.spool.close()

    def _start(self, shape: tuple[int, ...]) -> None:
        assert self.dtype is not None
        if self.rows is None and _UNKNOWN_ROWS in shape and self.to_pipe:
            import tempfile  # here, not at start-up

            self.spool = self.stream = tempfile.TemporaryFile()
        else:
            self.stream = self.open_stream()
        header = _npy_header(self.dtype, shape)
        self.header_size = len(header)
        self.stream.write(header)

    def _data(self, array: np.ndarray) -> None:
        # bytes through a uint8 view: bfloat16 and float8 arrays have no buffer format
        self.stream.write(memoryview(array.reshape(-1).view(np.uint8)) if array.size else b"")
        self.written += array.shape[self.axis] if array.ndim else 1


def _with(shape: tuple[int, ...], axis: int, length: int) -> tuple[int, ...]:
    return (*shape[:axis], length, *shape[axis + 1 :])
