"""Benchmark of the assessment workbench (issue 19): the time to score every county of the data (the cube read
once per period, normalised within the classes, composite, grades, ranks and progress; data/read/assessment.py
over data/compute/assessment.py) and to draw 1,000 robustness weight vectors (seeded Dirichlet) and rank every
county under each. ``python -m benchmarks`` with part ``assessment``; or ``run(storage)``."""
from __future__ import annotations

import statistics
import time

from data.compute import assessment as scoring
from data.definitions import policy
from data.definitions.access import system_access
from data.read import assessment


def _timed(function, repeats: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return times, result


def run(storage, repeats: int = 5) -> dict:
    access = system_access("benchmark")
    scheme = assessment.scheme_of(storage, access, assessment.DEFAULT_SCHEME)
    assessment._cache.clear()
    started = time.perf_counter()
    found = assessment.inputs(storage, access, scheme)  # the cube read (cold)
    read = time.perf_counter() - started
    scored, answer = _timed(lambda: scoring.score(found.yearly, scheme, found.classes, year=found.year), repeats)
    served, _ = _timed(lambda: assessment.scores(storage, access, klass="all"), repeats)  # cached inputs
    prepared = scoring.prepare(found.yearly, scheme, found.classes, found.year)
    drawn, _ = _timed(lambda: scoring.robustness(prepared, samples=1000, seed=policy.ROBUSTNESS_SEED), repeats)
    return {"counties": int(len(found.counties)), "year": found.year, "indicators": len(scheme.indicators()),
            "cube_read_s": round(read, 3), "score_every_county_s": round(statistics.median(scored), 4),
            "scores_answer_s": round(statistics.median(served), 4),
            "robustness_1000_samples_s": round(statistics.median(drawn), 4), "repeats": repeats}


if __name__ == "__main__":
    import json
    import sys

    from data.store.storage import Storage, make_engine

    print(json.dumps(run(Storage(make_engine(sys.argv[1]))), indent=2))
