"""Download a published file with checksum verification; nothing unverified is kept.

`open_url` is the one place that touches the network (tests monkeypatch it or use file:// URLs).
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from pathlib import Path
from typing import BinaryIO

from .errors import ChecksumMismatch, DataError, TooLarge

CHUNK = 1 << 20


def open_url(url: str, timeout: float = 60.0) -> BinaryIO:
    return urllib.request.urlopen(url, timeout=timeout)  # http(s) and file:// on purpose


def file_digest(path: Path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch(
    url: str,
    dest: Path,
    *,
    md5: str | None = None,
    sha256: str | None = None,
    max_bytes: int = 1 << 31,
) -> Path:
    """Stream `url` into `dest`, verifying md5 and/or sha256; atomic (dest.part, then rename).

    Raises ChecksumMismatch (the partial file removed) or DataError when the URL cannot be read.
    """
    if md5 is None and sha256 is None:
        raise ValueError("fetch needs a published md5 or sha256 to verify against.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    digests = {name: hashlib.new(name) for name, want in (("md5", md5), ("sha256", sha256)) if want}
    size = 0
    try:
        with open_url(url) as src, open(part, "wb") as out:
            for chunk in iter(lambda: src.read(CHUNK), b""):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(f"{url}: larger than the {max_bytes} bytes expected; download stopped.")
                for h in digests.values():
                    h.update(chunk)
                out.write(chunk)
        for name, want in (("md5", md5), ("sha256", sha256)):
            if want and digests[name].hexdigest() != want.lower():
                raise ChecksumMismatch(
                    f"{dest.name}: {name} {digests[name].hexdigest()} does not match the published "
                    f"{want.lower()}; the download from {url} was discarded."
                )
        part.replace(dest)
        return dest
    except (urllib.error.URLError, OSError) as exc:
        raise DataError(f"Could not download {url}: {exc}. Put the file in {dest.parent} instead.", 502) from exc
    finally:
        part.unlink(missing_ok=True)
