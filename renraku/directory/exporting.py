"""Writing the directory in the HR CSV format, so that an export imports back unchanged."""

import csv
import io

from .csvformat import COLUMNS, MULTI_SEPARATOR, PERSONAL
from .importing import current_records


def export_csv(*, include_personal: bool = True) -> str:
    """Every active member of staff, one row each, sorted by employee number."""
    columns = [(k, h) for k, h in COLUMNS if include_personal or k not in PERSONAL]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header for _key, header in columns])
    for _number, (record, active) in sorted(current_records().items()):
        if not active:
            continue
        row = []
        for key, _header in columns:
            value = getattr(record, key)
            row.append(MULTI_SEPARATOR.join(value) if isinstance(value, tuple) else value)
        writer.writerow(row)
    return out.getvalue()
