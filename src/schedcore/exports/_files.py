"""Writing export files whole or not at all.

Each export is built in memory first, then written to a temporary file beside the target and
renamed over it, so a failure never leaves a half-written calendar or CSV behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from schedcore.errors import InvalidInputError

__all__ = ["write_bytes_atomically", "write_text_atomically"]


def write_bytes_atomically(path: str | Path, data: bytes) -> Path:
    target = Path(path)
    if target.is_dir():
        raise InvalidInputError(f"cannot write {str(target)!r}: it is a directory")
    try:
        handle, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
    except OSError as exc:
        raise InvalidInputError(f"cannot write {str(target)!r}: {exc.strerror}") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise InvalidInputError(f"cannot write {str(target)!r}: {exc.strerror}") from None
    return target


def write_text_atomically(path: str | Path, text: str) -> Path:
    return write_bytes_atomically(path, text.encode("utf-8"))
