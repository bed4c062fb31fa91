"""The current time. Deployed, it is the system clock. The local stack runs on a clock of its own (to show a
whole round in minutes): it writes an offset in seconds to a file named by INTAKE_CLOCK_OFFSET_FILE in each
function's environment, and every reader of the time here adds it. Nothing else in the code reads the time.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

OFFSET_FILE_VARIABLE = "INTAKE_CLOCK_OFFSET_FILE"


def now() -> datetime:
    return datetime.now(UTC) + timedelta(seconds=offset_seconds())


def offset_seconds() -> float:
    path = os.environ.get(OFFSET_FILE_VARIABLE)  # set only by the local stack; absent when deployed
    if not path:
        return 0.0
    try:
        return float(Path(path).read_text().strip() or 0)
    except (OSError, ValueError):
        return 0.0


def write_offset(path: Path, target: datetime) -> float:
    """Make clocks reading `path` show `target` now; returns the offset written."""
    offset = (target - datetime.now(UTC)).total_seconds()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(f"{offset:.3f}")
    tmp.replace(path)
    return offset
