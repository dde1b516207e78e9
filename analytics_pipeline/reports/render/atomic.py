"""Atomic file output: write a temp file beside the target, then rename it.

Readers never see a half-written report: the target either does not exist, is
the previous version, or is the complete new file. On any exception the temp
file is removed and the target is left untouched.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Self

_CHUNK = 1 << 20


def _current_umask() -> int:
    # os.umask can only be read by setting it; done once, at import.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# mkstemp creates 0600 files; finished reports get the usual 0666 & ~umask.
_FILE_MODE = 0o666 & ~_current_umask()


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    size: int
    sha256: str


class AtomicFile:
    """Context manager writing ``target`` atomically.

    Sequential writers call :meth:`write` (size and SHA-256 are computed as the
    bytes go by). Writers that must open the file by name and seek back (the
    zip container of XLSX) call :meth:`handover_path` instead; the digest is
    then computed by reading the finished temp file once before the rename.
    After a clean exit, :attr:`result` describes the final file.
    """

    def __init__(self, target: Path) -> None:
        self.target = Path(target)
        self.result: WrittenFile | None = None
        self._temp: Path | None = None
        self._file: BinaryIO | None = None
        self._handed_over = False
        self._sha = hashlib.sha256()
        self._size = 0

    def __enter__(self) -> Self:
        fd, name = tempfile.mkstemp(
            prefix=f".{self.target.name}.", suffix=".part", dir=self.target.parent
        )
        self._temp = Path(name)
        self._file = os.fdopen(fd, "wb", buffering=_CHUNK)
        return self

    @property
    def temp_path(self) -> Path:
        if self._temp is None:
            raise RuntimeError("AtomicFile used outside its with block")
        return self._temp

    def write(self, data: bytes) -> int:
        """Append bytes (hashing them on the way)."""
        if self._file is None:
            raise RuntimeError("the temp file was handed over or closed; write() is not available")
        self._sha.update(data)
        self._size += len(data)
        return self._file.write(data)

    def tell(self) -> int:
        return self._size

    def handover_path(self) -> Path:
        """Close our handle and return the temp path for a writer that opens it
        by name (it may seek and rewrite; the digest is taken afterwards)."""
        if self._size:
            raise RuntimeError("cannot hand over a temp file that already has bytes written")
        self._close()
        self._handed_over = True
        return self.temp_path

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self._discard()
            return
        try:
            self.result = self._commit()
        except BaseException:
            self._discard()
            raise

    def _commit(self) -> WrittenFile:
        temp = self.temp_path
        if self._handed_over:
            with temp.open("rb") as fh:
                while chunk := fh.read(_CHUNK):
                    self._sha.update(chunk)
                    self._size += len(chunk)
                os.fsync(fh.fileno())
        else:
            assert self._file is not None
            self._file.flush()
            os.fsync(self._file.fileno())
            self._close()
        os.chmod(temp, _FILE_MODE)
        os.replace(temp, self.target)
        self._temp = None
        _fsync_directory(self.target.parent)
        return WrittenFile(path=self.target, size=self._size, sha256=self._sha.hexdigest())

    def _close(self) -> None:
        if self._file is not None:
            file, self._file = self._file, None
            file.close()

    def _discard(self) -> None:
        # The error being handled matters more than a failed close.
        with contextlib.suppress(OSError):
            self._close()
        if self._temp is not None:
            self._temp.unlink(missing_ok=True)
            self._temp = None


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
