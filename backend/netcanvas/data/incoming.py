"""Receive a multipart/form-data upload as a stream: the `file` part goes to disk chunk by chunk,
never whole in memory, and the size limit stops it as soon as it is passed (413)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import BinaryIO

from python_multipart.multipart import MultipartParser, parse_options_header

from .errors import DataError, TooLarge

MAX_FIELD_BYTES = 64 * 1024
MAX_FIELDS = 64
HEADER_SLACK = 1 << 20  # bytes of multipart framing and option fields allowed beyond the file


@dataclass
class Received:
    path: Path  # the file's bytes, on disk (the caller consumes or deletes it)
    filename: str
    size: int
    fields: dict[str, str] = field(default_factory=dict)


def safe_filename(raw: str) -> str:
    """The last component of a client-sent name, printable, at most 200 characters."""
    name = PureWindowsPath(PurePosixPath(raw).name).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in "\"'<>")
    return name[-200:] or "upload"


class _Receiver:
    def __init__(self, dest_dir: Path, max_bytes: int) -> None:
        self.dest_dir, self.max_bytes = dest_dir, max_bytes
        self.fields: dict[str, str] = {}
        self.file: BinaryIO | None = None
        self.path: Path | None = None
        self.filename = ""
        self.size = 0
        self.files = 0
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._part_name = ""
        self._is_file = False
        self._value = bytearray()
        self.error: DataError | None = None

    # python-multipart callbacks
    def on_part_begin(self) -> None:
        self._headers = {}

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field = self._header_value = b""

    def on_headers_finished(self) -> None:
        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._part_name = params.get(b"name", b"").decode("utf-8", "replace")
        self._is_file = b"filename" in params
        self._value = bytearray()
        if self._is_file:
            if self._part_name != "file":
                self._fail(DataError(f"Unexpected file field '{self._part_name}': send the data as `file`.", 422))
                return
            self.files += 1
            if self.files > 1:
                self._fail(DataError("Send one file per upload (a second `file` part came).", 422))
                return
            self.filename = safe_filename(params[b"filename"].decode("utf-8", "replace"))
            self.path = self.dest_dir / f".incoming-{uuid.uuid4().hex}"
            self.file = open(self.path, "wb")  # noqa: SIM115 (closed in on_part_end or cleanup)
        elif len(self.fields) >= MAX_FIELDS:
            self._fail(DataError(f"More than {MAX_FIELDS} option fields.", 422))

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.error is not None:
            return
        if self._is_file and self.file is not None:
            self.size += end - start
            if self.size > self.max_bytes:
                self._fail(TooLarge(
                    f"{self.filename}: larger than the upload limit of {self.max_bytes // (1 << 20)} MB "
                    "(setting max_upload_mb)."))
                return
            self.file.write(data[start:end])
        elif not self._is_file:
            self._value += data[start:end]
            if len(self._value) > MAX_FIELD_BYTES:
                self._fail(TooLarge(f"Option '{self._part_name}' is longer than {MAX_FIELD_BYTES} bytes."))

    def on_part_end(self) -> None:
        if self.error is not None:
            return
        if self._is_file and self.file is not None:
            self.file.close()
        elif not self._is_file and self._part_name:
            try:
                self.fields[self._part_name] = self._value.decode("utf-8")
            except UnicodeDecodeError:
                self._fail(DataError(f"Option '{self._part_name}' is not UTF-8 text.", 422))

    def _fail(self, error: DataError) -> None:
        if self.error is None:
            self.error = error

    def cleanup(self) -> None:
        if self.file is not None:
            self.file.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)


async def receive_upload(
    content_type: str | None, content_length: str | None, body: AsyncIterator[bytes], dest_dir: Path,
    max_bytes: int,
) -> Received:
    """Parse a multipart body into a file on disk under `dest_dir` plus its text fields."""
    ctype, params = parse_options_header(content_type or "")
    if ctype != b"multipart/form-data" or b"boundary" not in params:
        raise DataError("Send the data set as multipart/form-data with a `file` field and options.", 415)
    if content_length and content_length.isdigit() and int(content_length) > max_bytes + HEADER_SLACK:
        raise TooLarge(
            f"The upload is {int(content_length) // (1 << 20)} MB, over the limit of "
            f"{max_bytes // (1 << 20)} MB (setting max_upload_mb).")
    dest_dir.mkdir(parents=True, exist_ok=True)
    rx = _Receiver(dest_dir, max_bytes)
    callbacks = {name: getattr(rx, name) for name in (
        "on_part_begin", "on_part_data", "on_part_end", "on_header_field", "on_header_value",
        "on_header_end", "on_headers_finished")}
    parser = MultipartParser(params[b"boundary"], callbacks)  # type: ignore[arg-type]
    try:
        async for chunk in body:
            parser.write(chunk)
            if rx.error is not None:
                raise rx.error
        parser.finalize()
        if rx.error is not None:
            raise rx.error
    except DataError:
        rx.cleanup()
        raise
    except Exception as exc:  # a malformed body
        rx.cleanup()
        raise DataError(f"The multipart body could not be read ({exc}).", 400) from exc
    if rx.path is None:
        raise DataError("The upload has no `file` field: send the data set file as `file`.", 422)
    if rx.file is not None and not rx.file.closed:
        rx.cleanup()
        raise DataError("The upload ended before the file was complete.", 400)
    return Received(rx.path, rx.filename, rx.size, rx.fields)
