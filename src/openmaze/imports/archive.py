"""Reading an export ZIP someone uploaded, without trusting it.

A ZIP is refused before anything is imported when it is not a ZIP, is encrypted, lists more
entries than any export holds, or would unpack to more than `max_bytes` or at a
compression ratio no real export reaches (a ZIP bomb). The entry count is read from the
end-of-central-directory record before the directory itself is parsed, so a ZIP listing a
million entries costs nothing to refuse. Members are read in bounded pieces and counted
as they unpack: a header that lies about a member's size does not get past the limit.
Nothing is ever written to disk.
"""

from __future__ import annotations

import fnmatch
import io
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MiB = 1024 * 1024
_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_LOCATOR_SIZE = 20
_ZIP64_EOCD = b"PK\x06\x06"
_READ_PIECE = 1 * MiB


class ImportFileError(ValueError):
    """The file cannot be imported; the message says why, for the person who gave it."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 512 * MiB  # everything unpacked, all members together
    max_entries: int = 10_000  # far more files than any export holds
    max_ratio: int = 200  # unpacked : packed, for members large enough to matter
    ratio_floor: int = 1 * MiB  # members smaller than this unpack to little whatever their ratio


def _declared_entries(data: bytes) -> int | None:
    """The entry count the end-of-central-directory record declares, or its ZIP64 record
    when the count does not fit in 16 bits (None: not found)."""
    start = max(0, len(data) - (_EOCD_SIZE + 65_535))
    at = data.rfind(_EOCD, start)
    if at < 0 or len(data) - at < _EOCD_SIZE:
        return None
    (entries,) = struct.unpack_from("<H", data, at + 10)
    locator = at - _ZIP64_LOCATOR_SIZE
    if entries == 0xFFFF and locator >= 0 and data[locator : locator + 4] == _ZIP64_LOCATOR:
        (record,) = struct.unpack_from("<Q", data, locator + 8)
        if record + 40 <= len(data) and data[record : record + 4] == _ZIP64_EOCD:
            (entries,) = struct.unpack_from("<Q", data, record + 32)
    return int(entries)


class Archive:
    """An export ZIP held in memory (uploads are bounded by the body size limit)."""

    def __init__(self, data: bytes, label: str, limits: Limits | None = None) -> None:
        self.label = label
        self.limits = limits or Limits()
        self._unpacked = 0
        if not data.startswith(b"PK"):
            raise ImportFileError(f"{label} is not a ZIP file")
        declared = _declared_entries(data)
        if declared is not None and declared > self.limits.max_entries:
            raise ImportFileError(
                f"{label} lists {declared} files; an export has far fewer (at most {self.limits.max_entries})"
            )
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, struct.error) as exc:
            raise ImportFileError(f"{label} is not a readable ZIP file ({exc})") from None
        if len(infos) > self.limits.max_entries:
            raise ImportFileError(
                f"{label} lists {len(infos)} files; an export has far fewer (at most {self.limits.max_entries})"
            )
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise ImportFileError(
                    f"{label} is password-protected: unzip it with the password you were sent, "
                    "then zip the files again without one"
                )
            total += info.file_size
            packed = max(info.compress_size, 1)
            if info.file_size > self.limits.ratio_floor and info.file_size / packed > self.limits.max_ratio:
                raise ImportFileError(
                    f"{label}: {info.filename} would unpack {info.file_size // packed} times larger than it is "
                    "packed; no export compresses that well (a ZIP bomb?)"
                )
        if total > self.limits.max_bytes:
            raise ImportFileError(
                f"{label} would unpack to {total // MiB} MiB, more than the {self.limits.max_bytes // MiB} MiB "
                "an import accepts"
            )
        self._infos = [i for i in infos if not i.is_dir()]

    @classmethod
    def from_path(cls, path: Path, limits: Limits | None = None) -> Archive:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from None
        return cls(data, path.name, limits)

    def find(self, *patterns: str) -> list[zipfile.ZipInfo]:
        """Members whose file name (in any folder) matches one of `patterns`, by name."""
        found = [
            info
            for info in self._infos
            if any(fnmatch.fnmatch(PurePosixPath(info.filename).name.lower(), p) for p in patterns)
            and not PurePosixPath(info.filename).name.startswith("._")  # macOS's resource forks
        ]
        return sorted(found, key=lambda i: i.filename)

    def read(self, info: zipfile.ZipInfo) -> bytes:
        """A member's bytes, counted against the limit as they unpack."""
        pieces: list[bytes] = []
        try:
            with self._zip.open(info) as member:
                while piece := member.read(_READ_PIECE):
                    self._unpacked += len(piece)
                    if self._unpacked > self.limits.max_bytes:
                        raise ImportFileError(
                            f"{self.label} unpacks to more than the {self.limits.max_bytes // MiB} MiB an import "
                            "accepts"
                        )
                    pieces.append(piece)
        except (zipfile.BadZipFile, EOFError, ValueError, OSError, NotImplementedError) as exc:
            if isinstance(exc, ImportFileError):
                raise
            raise ImportFileError(f"{self.label}: {info.filename} cannot be unpacked ({exc})") from None
        return b"".join(pieces)
