"""The exception types of the core, one per kind of failure a user can meet."""
from __future__ import annotations

from pathlib import Path

from paramlab.core.text import one_line, quote_path


class ParamLabError(Exception):
    """Base class of every error the core raises on purpose."""


class GraphError(ParamLabError):
    """An edit refused because it would make the graph invalid: a cycle, an input port
    already taken or beyond the layer's number of inputs, an unknown layer id, a
    duplicate name. Nothing was changed when this is raised."""


class LayerError(ParamLabError):
    """A layer's config or input shapes are impossible (raised by shape and weight rules,
    caught by propagation and turned into a :class:`core.types.Diagnostic`)."""


class ModelFileError(ParamLabError):
    """A model or project file could not be read.

    Attributes:
        path: The file's path (``"<memory>"`` when parsing a string).
        detail: What is wrong, for a person to read.
    """

    def __init__(self, path: str | Path, detail: str) -> None:
        self.path = str(path)
        # One line, bounded, encodable: a file name with a newline or undecodable bytes is
        # quoted with escapes, a detail quoting a huge value is cut (core.text).
        self.detail = one_line(detail)
        super().__init__(f"{quote_path(self.path)}: {self.detail}")
