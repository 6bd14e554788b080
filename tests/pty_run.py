"""Running a command with its stdout on a pseudo-terminal, as a person's terminal would hold it
(the tests of tables, colours and escapes that only happen on a terminal)."""

from __future__ import annotations

import os
import subprocess


def on_a_terminal(
    argv: list[str],
    *,
    env: dict[str, str],
    width: int | None = None,
    stdin: bytes | None = None,
    timeout: float = 60,
) -> tuple[int, bytes, bytes]:
    """(exit status, what argv wrote to the terminal, its stderr), with stdout on a
    pseudo-terminal ``width`` columns wide (when given) until the command closes it."""
    import fcntl  # POSIX only: imported here, so that importing this module works anywhere
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    if width is not None:
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, width, 0, 0))
    process = subprocess.Popen(
        argv,
        stdout=follower,
        stderr=subprocess.PIPE,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        env=env,
    )
    os.close(follower)
    if stdin is not None:
        process.stdin.write(stdin)
        process.stdin.close()
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 1 << 16)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=timeout)
    os.close(leader)
    return process.returncode, b"".join(chunks), process.stderr.read()
