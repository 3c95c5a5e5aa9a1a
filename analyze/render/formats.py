"""The renderer of each ``--format``."""
from __future__ import annotations

from typing import Any, TextIO

from renacer.analyze.render.options import FORMATS, RenderOptions
from renacer.analyze.render.records import CsvRenderer, JsonlRenderer, JsonRenderer
from renacer.analyze.render.text import TextRenderer
from renacer.analyze.render.timeline import Renderer

RENDERERS: dict[str, type[Renderer]] = {
    "text": TextRenderer, "json": JsonRenderer, "jsonl": JsonlRenderer, "csv": CsvRenderer,
}


def make_renderer(out: TextIO, options: RenderOptions, metadata: dict[str, Any] | None = None) -> Renderer:
    """The renderer of ``options.format``."""
    try:
        cls = RENDERERS[options.format]
    except KeyError:
        raise ValueError(f"unknown format {options.format!r}; choose one of {', '.join(FORMATS)}") from None
    return cls(out, options, metadata)
