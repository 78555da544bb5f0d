"""The one exception family the CLI turns into a one-line user message, and how a message shows a
file name and another error's text on that one line."""
from __future__ import annotations

import os
from pathlib import Path


class KGError(Exception):
    """Shown to the user as is: say what is wrong, where, and how to fix it."""


class SourceDecodeError(KGError):
    """A source file could not be read as text (binary, empty, unknown encoding)."""


class StoreError(KGError):
    """A store directory is missing, locked or not a cchc-kg store."""


class QueryError(KGError):
    """A query is malformed, not allowed, or its parameters are unusable."""


def shown(path: str | Path) -> str:
    """A path as a message prints it: bytes that are not UTF-8 (a name made on another system) as
    ``\\xNN`` escapes and control characters escaped, so the message stays one printable line."""
    text = os.fsencode(path).decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def one_line(text: object, limit: int = 200) -> str:
    """Another error's message squeezed onto one line, cut at `limit` characters."""
    out = " ".join(str(text).split())
    return out if len(out) <= limit else out[: limit - 1] + "…"
