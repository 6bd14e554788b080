"""Files written atomically (a temporary file renamed over the target), stdout held back."""

from __future__ import annotations

import codecs
import contextlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from actcli.errors import DataError, UsageError

# stdout output held back until it is this long (characters or bytes): see _HeldStdout.
HOLD_STDOUT = 1 << 24


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


class _HeldStdout:
    """stdout, held back until ``HOLD_STDOUT`` characters (or bytes) have been written: a run that
    fails early (a bad cell, a bad option) leaves stdout empty; a longer output streams."""

    def __init__(self, stream: IO[Any]):
        self._stream = stream
        self._parts: list[Any] = []
        self._size = 0
        self._passing = False
        self._narrow = _narrow_encoding(stream)  # ascii, latin-1, ...: checked as text comes

    def write(self, data: Any) -> int:
        if self._narrow and isinstance(data, str):
            self._check_encodable(data)
        if self._passing:
            return self._out(self._stream.write, data)
        self._parts.append(data)
        self._size += len(data) if not isinstance(data, memoryview) else data.nbytes
        if self._size > HOLD_STDOUT:
            self.release()
        return len(data)

    def writelines(self, lines: Iterable[Any]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self._passing:
            self._out(self._stream.flush)

    def release(self) -> None:
        """Writes what was held back, and everything from now on."""
        self._passing = True
        parts, self._parts = self._parts, []
        for part in parts:
            self._out(self._stream.write, part)

    def finish(self) -> None:
        self.release()
        self._out(self._stream.flush)

    def _check_encodable(self, data: str) -> None:
        try:
            data.encode(self._narrow)
        except UnicodeEncodeError as exc:
            raise DataError(
                f"stdout's encoding ({self._narrow}, from PYTHONIOENCODING or the locale) cannot "
                f"write {exc.object[exc.start]!r}: set PYTHONIOENCODING=utf-8, or write a file "
                "with -o (files are UTF-8)"
            ) from None

    def _out(self, call: Callable[..., Any], *args: Any) -> Any:
        try:
            return call(*args)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise DataError(f"cannot write to stdout: {exc.strerror or exc}") from None

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding, ... of stdout
        return getattr(self._stream, name)


def _narrow_encoding(stream: Any) -> str | None:
    """The encoding of a text stream that cannot write every character strictly, or None."""
    encoding = getattr(stream, "encoding", None)
    if not isinstance(encoding, str) or getattr(stream, "errors", "strict") != "strict":
        return None
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return None
    return None if name in ("utf-8", "utf-16", "utf-32", "utf-8-sig") else name


@contextlib.contextmanager
def atomic_output(path: str | None, *, binary: bool) -> Iterator[IO[Any]]:
    """A stream to write ``path`` (stdout for None or "-"), replaced only when writing succeeds.

    The temporary file sits in the target's folder (so ``os.replace`` is an atomic rename on the
    same file system), gets the old file's permissions (or the umask's), and is removed if
    anything goes wrong, so the previous file survives byte for byte. stdout is held back (see
    ``_HeldStdout``) so that a run failing early writes nothing there.
    """
    if path in (None, "-"):
        if sys.stdout is None:  # started with descriptor 1 closed (`actcli ... >&-`)
            raise DataError("cannot write to stdout: it is closed")
        held = _HeldStdout(sys.stdout.buffer if binary else sys.stdout)
        yield held  # type: ignore[misc]
        held.finish()
        return
    if writes_in_place(path):
        with _in_place_output(path, binary=binary) as stream:
            yield stream
        return
    if os.path.islink(path):  # replace what the link names, not the link (-o /dev/stdout)
        path = os.path.realpath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise UsageError(f"cannot write {path}: it is a folder")
    if not os.path.isdir(folder):
        raise UsageError(f"cannot write {path}: folder {folder} does not exist")
    import tempfile  # here, not at start-up: only a written file needs it

    try:
        fd, temp = tempfile.mkstemp(prefix=_temp_prefix(path, folder), suffix=".tmp", dir=folder)
    except OSError as exc:
        raise DataError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        if binary:
            stream: IO[Any] = os.fdopen(fd, "w+b")  # w+: a .npy header is patched at the end
        else:
            stream = os.fdopen(fd, "w", encoding="utf-8", newline="")
        with stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        try:
            mode = os.stat(path).st_mode & 0o7777
        except OSError:
            mode = _new_file_mode()  # mkstemp made it 0600; a new file gets the usual mode
        os.chmod(temp, mode)
        os.replace(temp, path)
    except OSError as exc:
        _remove(temp)
        if isinstance(exc, BrokenPipeError):
            raise
        raise DataError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        _remove(temp)
        raise


def _temp_prefix(path: str, folder: str) -> str:
    """ ".NAME." for the temporary file beside NAME, NAME cut so that the whole temporary name
    (8 random characters and ".tmp" follow) stays within the file system's NAME_MAX: a valid
    250-character -o name must not fail as "File name too long"."""
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        limit = 255
    name = os.path.basename(path)
    room = max(limit - len("..") - 8 - len(".tmp"), 1)
    while len(os.fsencode(name)) > room:  # NAME_MAX counts bytes
        name = name[:-1]
    return f".{name}."


def writes_in_place(path: str | None) -> bool:
    """Whether -o names a device or a FIFO (/dev/null, /dev/stdout on a pipe, a named pipe):
    such a target is written into, not replaced by a regular file (nor sought in)."""
    if path in (None, "-") or not os.path.exists(path):
        return False
    return not os.path.isfile(path) and not os.path.isdir(path)


@contextlib.contextmanager
def _in_place_output(path: str, *, binary: bool) -> Iterator[IO[Any]]:
    try:
        stream = open(path, "wb") if binary else open(path, "w", encoding="utf-8", newline="")
        with stream:
            yield stream
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise DataError(f"cannot write {path}: {exc.strerror or exc}") from None


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
