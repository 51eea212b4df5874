"""A write-only stream for ``zipfile`` that streamed zip exports (spaCy, brat) drain as they
write, so an export of any size never holds the whole archive in memory."""

from __future__ import annotations

from collections.abc import Iterator

CHUNK = 1 << 16  # bytes per piece handed to the response


class ZipSink:
    """Collects what ``zipfile`` writes until ``drain`` hands it on in ``CHUNK`` pieces."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing to flush: ``drain`` hands the bytes on."""

    def close(self) -> None:
        """Nothing to close: the bytes live until drained."""

    def drain(self) -> Iterator[bytes]:
        data = b"".join(self._chunks)
        self._chunks.clear()
        for offset in range(0, len(data), CHUNK):
            yield data[offset : offset + CHUNK]
