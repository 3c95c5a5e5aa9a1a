"""The one renderer of recorded events: strace-style text, JSON, JSON lines or CSV.

The recorder feeds it live while recording (``live.py``), and ``render_trace_file`` feeds it a
Parquet trace afterwards (``replay.py``); both go through ``feed``/``finish``, so live output
and replay are the same bytes. The modules, from the rows up:

- ``options``: what the user asked for (``RenderOptions``).
- ``columns``: a batch as the renderer reads it, a dict of column lists (``RowView``); live,
  the recorder's own batches (``capture/rows.py``, no numpy or pyarrow); replay's Arrow tables
  converted column by column on first use.
- ``timeline``: call ordering and pairing (entry/exit, ``<unfinished ...>``/``resumed``), the
  base ``Renderer`` of every format; calls the metadata lists as ``hidden_syscalls`` (recorded
  only to learn a connect's outcome) are dropped there, in every format and in the summary.
- ``threads``: which threads exist, for the ``[pid N]`` prefixes.
- ``text``: the text lines (guide or strace style); ``outcomes``: a non-blocking connect's
  outcome on its line; ``summary_tables``: the ``-c`` tables (numbers: ``analyze/summary.py``,
  those of ``queries/summary.sql``).
- ``records``: JSON, JSON lines, CSV; ``formats``: the renderer of each ``--format``.
- ``live``: the recorder session's consumer; ``replay``: trace files, row group by row group.

Memory is bounded in every format: a renderer holds the rows still undecided (calls in
progress, a connect waiting for its outcome), a bounded memo, and for ``-c``/JSON the summary
(8 bytes per completed call, for exact percentiles); replay reads one row group at a time.
"""
from __future__ import annotations

from renacer.analyze.render.columns import RowView
from renacer.analyze.render.formats import make_renderer
from renacer.analyze.render.live import LiveConsumer, live_renderer
from renacer.analyze.render.options import FORMATS, STYLES, RenderOptions
from renacer.analyze.render.records import CSV_FIELDS, CsvRenderer, JsonlRenderer, JsonRenderer, RecordRenderer
from renacer.analyze.render.replay import recorded_string_size, render_trace_file
from renacer.analyze.render.summary_tables import guide_summary_text, summary_text
from renacer.analyze.render.text import COLUMN, TextRenderer
from renacer.analyze.render.timeline import Renderer

__all__ = [
    "COLUMN", "CSV_FIELDS", "FORMATS", "STYLES", "CsvRenderer", "JsonRenderer", "JsonlRenderer", "LiveConsumer",
    "RecordRenderer", "RenderOptions", "Renderer", "RowView", "TextRenderer", "guide_summary_text", "live_renderer",
    "make_renderer", "recorded_string_size", "render_trace_file", "summary_text",
]
