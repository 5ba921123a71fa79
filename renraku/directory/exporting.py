"""Writing the directory in the HR CSV format, so that an export imports back unchanged.

Every cell goes through `csvsafe.neutralise`: HR opens these files in Excel, and a name or
e-mail that begins with = or + would otherwise run there as a formula. The importer
restores such cells, so the round trip is still exact."""

import csv
import io

from renraku.csvsafe import neutralise

from .csvformat import COLUMNS, MULTI_SEPARATOR, PERSONAL
from .import_diff import current_records


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
            text = MULTI_SEPARATOR.join(value) if isinstance(value, tuple) else value
            row.append(neutralise(text))
        writer.writerow(row)
    return out.getvalue()
