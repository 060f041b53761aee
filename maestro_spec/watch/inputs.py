"""The files a build reads: which they are, whether their bytes changed, and
whether they can be read at all without blocking or exhausting memory."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .wording import unreadable_line

# A spec or var file larger than this is not read: no spec is near it, and a
# file swapped for something huge must not stall (or exhaust) the loop.
MAX_INPUT_BYTES = 32 * 1024 * 1024


class Inputs:
    """The files a build reads, by absolute path, and what their bytes were."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self.paths: dict[str, str] = {os.path.abspath(spec): spec}  # absolute -> as shown
        self.contents: dict[str, tuple | None] = {}

    def follow(self, files: list[Path]) -> None:
        self.paths = {}
        for shown in [self.spec, *map(str, files)]:
            self.paths.setdefault(os.path.abspath(shown), shown)
            # A symlink's target may be edited where it lives: watch there too.
            self.paths.setdefault(os.path.realpath(shown), shown)

    def shown(self) -> list[str]:
        """Every followed file once, as the user named it, the spec first."""
        return list(dict.fromkeys(self.paths.values()))

    def dirs(self) -> set[str]:
        return {os.path.dirname(p) for p in self.paths}

    def relevant(self, _change, path: str) -> bool:
        return os.path.abspath(path) in self.paths

    def changed(self) -> tuple[str, ...]:
        """The files whose bytes differ from last time (and remember the new ones)."""
        now = {path: _contents(path) for path in self.paths}
        changed = [shown for path, shown in self.paths.items() if path not in self.contents or now[path] != self.contents[path]]
        self.contents = now
        return tuple(dict.fromkeys(changed))


def _contents(path: str) -> tuple | None:
    """What the file's bytes are now, read without ever blocking: a FIFO or a
    device (a spec replaced by one, or a symlink to /dev/zero) is not read,
    only told apart by its identity; a regular file is read up to the cap.

    The bytes themselves are kept, not a hash of them: comparing them costs
    far less than hashing them (2 ms for a 1 MB spec, on every save)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None  # missing or unreadable: the build says why
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_INPUT_BYTES:
            return ("special", st.st_mode, st.st_dev, st.st_ino, st.st_size)
        with os.fdopen(fd, "rb", closefd=False) as f:
            # As many bytes as fstat says, and one more to see that the file
            # grew since: a read of the whole cap would allocate 32 MB first
            # (0.8 ms on every save of a 1 MB spec, where this costs 0.1).
            data = f.read(st.st_size + 1)
            if len(data) > st.st_size:
                data += f.read(MAX_INPUT_BYTES - st.st_size)
            return ("file", data)
    except OSError:
        return None
    finally:
        os.close(fd)


_KINDS = (
    (stat.S_ISDIR, "directory"),
    (stat.S_ISFIFO, "fifo"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISSOCK, "socket"),
)


def input_problem(path: str) -> str | None:
    """Why this spec or var file cannot be read without blocking or exhausting
    memory (`PATH: is a named pipe ...`), or None. A missing file is not a
    problem here: the build reports it, and watch waits for it."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    for test, kind in _KINDS:
        if test(st.st_mode):
            return unreadable_line(path, kind)
    if not stat.S_ISREG(st.st_mode):
        return unreadable_line(path, "special")
    if st.st_size > MAX_INPUT_BYTES:
        return unreadable_line(path, "too large", size=st.st_size, limit=MAX_INPUT_BYTES)
    return None
