"""The local stack's console: one writer, lines prefixed with where they came from."""

from __future__ import annotations

import sys
import threading
from typing import TextIO


class Console:
    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def line(self, source: str, text: str) -> None:
        stream = self._stream or sys.stderr
        with self._lock:
            try:
                stream.write(f"[{source}] {text.rstrip()}\n")
                stream.flush()
            except (ValueError, OSError):
                pass  # the console was closed under us during shutdown; the line has nowhere to go
