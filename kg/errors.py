"""The one exception family the CLI turns into a one-line user message."""


class KGError(Exception):
    """Shown to the user as is: say what is wrong, where, and how to fix it."""


class SourceDecodeError(KGError):
    """A source file could not be read as text (binary, empty, unknown encoding)."""


class StoreError(KGError):
    """A store directory is missing, locked or not a cchc-kg store."""


class QueryError(KGError):
    """A query is malformed, not allowed, or its parameters are unusable."""
