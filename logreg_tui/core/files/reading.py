"""Reading a file someone named or shared: a regular file only (a FIFO would block for ever, /dev/zero never
end), and no more of it than a limit. No torch, no UI."""

from __future__ import annotations

import os
import stat


class NotReadable(ValueError):
    """Why the file is not read, in words that follow its path: "not a regular file", "over 1 MB" …"""


def read_regular_file(path: str, limit: int) -> bytes:
    """The file's bytes; NotReadable when it is not a regular file or is larger than `limit` bytes, OSError when
    it cannot be opened (its strerror says why)."""
    with open(path, "rb", opener=lambda name, flags: os.open(name, flags | os.O_NONBLOCK)) as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            raise NotReadable("not a regular file")
        data = file.read(limit + 1)
    if len(data) > limit:
        raise NotReadable(f"over {limit >> 20} MB")
    return data
