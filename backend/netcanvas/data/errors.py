"""Refusals of user data: each carries the HTTP status the API answers with and names the culprit."""

from __future__ import annotations


class DataError(ValueError):
    """A file, column or option that netcanvas refuses; `status` is the 4xx the API returns."""

    status: int = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status

    @property
    def message(self) -> str:
        return str(self.args[0])


class FormatError(DataError):
    """A file that is not what its format says (truncated IDX, bad CIFAR record, not an image…)."""

    status = 422


class TooLarge(DataError):
    """Over a size limit: the upload itself, a ZIP's uncompressed contents, a row or file count."""

    status = 413


class ChecksumMismatch(DataError):
    """A downloaded file whose digest is not the published one (the file is not kept)."""

    status = 502
