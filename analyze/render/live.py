"""The live adapter: the recorder session's consumer that renders each flushed batch.

It is the same renderer as replay (``renacer-analyze replay``), fed the recorder's own batches,
so live output and replay are the same bytes.
"""
from __future__ import annotations

from typing import Any, TextIO

from renacer.analyze.render.formats import make_renderer
from renacer.analyze.render.options import RenderOptions


class LiveConsumer:
    """A ``renacer.capture.consumer.Consumer`` that renders: ``begin``/``write``/``close``.

    The session calls ``begin(metadata)`` once the start anchors are known (``start_wall_ns``
    for -t); without it, absolute timestamps count from the epoch.
    """

    wants_pending = True

    def __init__(self, out: TextIO, options: RenderOptions, metadata: dict[str, Any] | None = None) -> None:
        self.out = out
        self.renderer = make_renderer(out, options, metadata)

    def begin(self, metadata: dict[str, Any]) -> None:
        self.renderer.metadata = metadata
        self.renderer.start_wall_ns = int(metadata.get("start_wall_ns") or 0)
        self.renderer.dopts = self.renderer.options.decode_options(metadata)
        self.renderer.shown_from(metadata)

    def write(self, batch: Any, pending: Any) -> None:
        self.renderer.feed(batch, pending)
        self.out.flush()

    def close(self, metadata: dict[str, Any]) -> None:
        self.renderer.finish(metadata)


def live_renderer(out: TextIO, options: RenderOptions, metadata: dict[str, Any] | None = None) -> LiveConsumer:
    return LiveConsumer(out, options, metadata)
