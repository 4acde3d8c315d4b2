"""The region report (issue 17 part 3): generation time per county, PDF and XLSX, as the batch
``python -m dashboard report`` writes them (one storage snapshot per county, the font parsed once per
process: the first report pays for it and is reported apart)."""
from __future__ import annotations

import statistics
import time

from data.definitions.access import system_access


def run(storage, province: str = "52", counties: int = 10) -> dict:
    from layouts import report

    access = system_access("bench")
    found = storage.regions(access, level="county", parent=province)[:counties]
    answer: dict = {"province": province, "counties": len(found)}
    for fmt in ("pdf", "xlsx"):
        seconds, sizes = [], []
        for county in found:
            started = time.perf_counter()
            _, data = report.render(storage.snapshot(), access, county["code"], fmt)
            seconds.append(time.perf_counter() - started)
            sizes.append(len(data))
        answer[fmt] = {"first_s": round(seconds[0], 3), "median_s": round(statistics.median(seconds[1:] or seconds), 3),
                       "max_s": round(max(seconds), 3), "median_bytes": int(statistics.median(sizes))}
    return answer
