"""Files the API hands out for download."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import Response


def csv_download(
    filename: str, columns: Sequence[str], rows: Iterable[Mapping[str, Any]], titles: Mapping[str, str] | None = None
) -> Response:
    """``rows`` as a CSV attachment with a header of ``titles`` (default: the column names)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writerow({column: (titles or {}).get(column, column) for column in columns})
    writer.writerows(rows)
    # A BOM lets Excel, which most service teams open CSVs with, read the Chinese correctly.
    return Response("\ufeff" + buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
