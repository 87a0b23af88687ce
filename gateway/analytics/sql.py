"""SQL building blocks that read the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Float, Select, case, func, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement


class seconds_between(FunctionElement[float]):  # lower case, like the SQL functions it stands for
    """``later - earlier`` in seconds; NULL when either is NULL."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    earlier, later = (compiler.process(argument, **kw) for argument in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    earlier, later = (compiler.process(argument, **kw) for argument in element.clauses)
    return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS DOUBLE PRECISION)"


def bucket_index(column: ColumnElement[datetime], edges: Sequence[datetime], first: int = 0) -> ColumnElement[int]:
    """The ``i`` with ``edges[i] <= column < edges[i + 1]``, for rows already inside the edges.

    A balanced CASE (log₂ n comparisons a row) on instants computed in Python, so local days and
    weeks come out right on both databases, whose time-zone functions differ (SQLite has none).
    """
    if len(edges) == 2:
        return literal_column(str(first))
    middle = len(edges) // 2
    return case(
        (column < edges[middle], bucket_index(column, edges[: middle + 1], first)),
        else_=bucket_index(column, edges[middle:], first + middle),
    )


def median(value: ColumnElement[Any], *where: ColumnElement[bool]) -> Select[tuple[float | None]]:
    """The median of ``value`` over the rows matching ``where``, by window functions (SQLite has no
    percentile function): the middle row, or the mean of the two middle rows."""
    ranked = (
        select(value.label("value"), func.row_number().over(order_by=value).label("n"),
               func.count().over().label("total"))
        .where(value.is_not(None), *where)
        .subquery()
    )
    return select(func.avg(ranked.c.value)).where(
        ranked.c.n.between((ranked.c.total + 1) // 2, (ranked.c.total + 2) // 2)
    )
