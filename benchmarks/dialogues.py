"""Renamed benchmarks/booking.py (the name #10 asked for); kept so old commands still run.

`python benchmarks/dialogues.py --people 500 --seats 10` runs
`python benchmarks/booking.py --contenders 500 --seats 10` (its `--people` there is the
crowd for capacity, not the race).
"""

import runpy
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.argv = [
        "--contenders" + arg.removeprefix("--people") if arg.startswith("--people") else arg
        for arg in sys.argv
    ]
    runpy.run_path(str(Path(__file__).with_name("booking.py")), run_name="__main__")
