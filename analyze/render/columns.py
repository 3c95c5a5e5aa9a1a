"""A batch as the renderer reads it: a dict of column lists with ``num_rows``.

Live, the recorder's own batches arrive that way from ``capture/rows.py`` (no numpy, no
pyarrow); replay's Arrow tables are converted column by column on first use (``ArrowColumns``),
so a renderer touches only the columns its lines need.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    import pyarrow as pa


class RowView:
    """One row of a batch converted to Python lists: ``row["a0"]`` without a dict per row."""

    __slots__ = ("_cols", "_i")

    def __init__(self, cols: Rows, i: int) -> None:
        self._cols = cols
        self._i = i

    def __getitem__(self, key: str) -> Any:
        return self._cols[key][self._i]

    def get(self, key: str, default: Any = None) -> Any:
        col = self._cols.get(key)
        return default if col is None else col[self._i]


class ArrowColumns(dict):
    """An Arrow batch's columns as Python lists, each converted on first use (most calls need a
    few)."""

    def __init__(self, data: pa.RecordBatch | pa.Table) -> None:
        super().__init__()
        self._data = data
        self._names = set(data.schema.names)
        self.num_rows = data.num_rows

    def __missing__(self, name: str) -> list[Any]:
        if name in self._names:
            import pyarrow as pa  # already loaded: the data is Arrow

            column = self._data.column(name)
            if pa.types.is_dictionary(column.type):
                # Much faster than to_pylist() on the dictionary type, which builds a scalar per row.
                column = column.cast(column.type.value_type)
            values = column.to_pylist()
            if name == "name" and None in values:
                # A number the recorder has no name for prints as strace does: syscall_0x1c3.
                values = [v if v is not None else f"syscall_{nr & 0xFFFF:#x}" for v, nr in zip(values, self["nr"])]
        else:
            values = [None] * self._data.num_rows
        self[name] = values
        return values


class PickedRows(dict):
    """Some rows of a batch (by index), each column picked on first use."""

    def __init__(self, parent: Rows, index: list[int]) -> None:
        super().__init__()
        self._parent = parent
        self._index = index
        self.num_rows = len(index)

    def __missing__(self, name: str) -> list[Any]:
        column = self._parent[name]
        values = self[name] = [column[i] for i in self._index]
        return values


class Rows(Protocol):
    """A batch as the renderer reads it: column name -> list of values, and ``num_rows``. Live,
    ``capture.rows.RowBatch`` (a dict; capture does not import the renderer, so a protocol, not a
    base class); in replay ``ArrowColumns``; after -e, ``PickedRows``."""

    num_rows: int

    def __getitem__(self, name: str, /) -> list[Any]: ...

    def get(self, name: str, default: Any = None, /) -> Any: ...


def as_columns(data: Any) -> Rows:
    """Column lists of a batch: the live path's own (capture/rows.py) as they are, Arrow converted."""
    # a dict is capture/rows.py's RowBatch (with num_rows), which isinstance cannot name here
    return cast(Rows, data) if isinstance(data, dict) else ArrowColumns(data)
