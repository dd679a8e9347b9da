"""Open an uploaded ZIP (or NPZ) only after checking it is not a bomb and names no path outside."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path, PurePosixPath

from .errors import DataError, FormatError, TooLarge
from .limits import LIMITS, Limits


def check_name(name: str, archive: str) -> PurePosixPath:
    """A member name as a relative POSIX path; absolute paths, '..', drive letters refused."""
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":") or "\0" in name:
        raise DataError(f"{archive}: entry '{name}' has an absolute or non-portable path; refused.")
    path = PurePosixPath(name)
    if any(part == ".." for part in path.parts):
        raise DataError(f"{archive}: entry '{name}' climbs out of the archive with '..'; refused.")
    return path


def open_checked(path: Path, archive: str, limits: Limits = LIMITS) -> zipfile.ZipFile:
    """The ZipFile once its central directory passes the count, size, ratio and name checks."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FormatError(f"{archive}: not a readable ZIP file ({exc}).") from exc
    infos = zf.infolist()
    if len(infos) > limits.zip_max_files:
        zf.close()
        raise TooLarge(f"{archive}: {len(infos)} entries, more than the {limits.zip_max_files} allowed.")
    total = 0
    for info in infos:
        check_name(info.filename, archive)
        if info.flag_bits & 0x1:
            zf.close()
            raise DataError(f"{archive}: entry '{info.filename}' is encrypted; upload an unencrypted ZIP.")
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.zip_ratio_floor and ratio > limits.zip_max_ratio:
            zf.close()
            raise TooLarge(
                f"{archive}: entry '{info.filename}' inflates {ratio:.0f}× (limit {limits.zip_max_ratio:.0f}×); "
                "refused as a possible ZIP bomb."
            )
    if total > limits.zip_max_uncompressed:
        zf.close()
        raise TooLarge(
            f"{archive}: {total} bytes uncompressed, more than the {limits.zip_max_uncompressed} allowed."
        )
    return zf


class BudgetReader:
    """Reads members while counting the actual inflated bytes against the declared sizes and the
    archive's budget (a forged central directory cannot sneak more data through)."""

    def __init__(self, zf: zipfile.ZipFile, archive: str, limits: Limits = LIMITS) -> None:
        self.zf, self.archive, self.limits, self.used = zf, archive, limits, 0

    def read(self, info: zipfile.ZipInfo) -> bytes:
        chunks, got = [], 0
        try:
            with self.zf.open(info) as f:
                while True:
                    chunk = f.read(1 << 20)
                    if not chunk:
                        break
                    got += len(chunk)
                    self.used += len(chunk)
                    if got > info.file_size:
                        raise TooLarge(
                            f"{self.archive}: entry '{info.filename}' inflates past its declared "
                            f"{info.file_size} bytes; refused as a possible ZIP bomb."
                        )
                    if self.used > self.limits.zip_max_uncompressed:
                        raise TooLarge(
                            f"{self.archive}: more than {self.limits.zip_max_uncompressed} bytes uncompressed."
                        )
                    chunks.append(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise FormatError(f"{self.archive}: entry '{info.filename}' is corrupt ({exc}).") from exc
        return b"".join(chunks)
