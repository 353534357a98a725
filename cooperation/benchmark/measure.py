"""Interleaved runs of our path and its floor, and the table and JSON they print."""

import gc
import json
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext


class FiguresDiffer(Exception):
    """Our figures are not the floor's: the benchmark fails (non-zero exit)."""


@dataclass
class Result:
    part: str
    what: str  # our path, in words
    floor_what: str
    ours_ms: float
    floor_ms: float
    queries: int
    floor_queries: int
    response_bytes: int | None
    peak_mib: float
    runs: int
    equal: bool
    detail: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.ours_ms / self.floor_ms if self.floor_ms else float("inf")

    def as_dict(self) -> dict:
        data = asdict(self)
        data["ratio"] = round(self.ratio, 3)
        data["ours_ms"] = round(self.ours_ms, 3)
        data["floor_ms"] = round(self.floor_ms, 3)
        data["peak_mib"] = round(self.peak_mib, 2)
        return data


@dataclass
class Run:
    seconds: float
    queries: int
    value: object


def _once(function: Callable[[], object]) -> Run:
    # A full query log (9.000 entries, e.g. after a large build) makes the capture count 0.
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        value = function()
        seconds = time.perf_counter() - start
    return Run(seconds, len(queries), value)


def peak_mib(function: Callable[[], object]) -> float:
    """Peak Python allocation (tracemalloc) of one extra, untimed run."""
    gc.collect()
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _peak(side) -> float:
    function, before, after = side
    before()
    result = []
    peak = peak_mib(lambda: result.append(function()))
    after(result[0])
    return peak


def compare(
    *,
    part: str,
    what: str,
    floor_what: str,
    ours: Callable[[], object],
    floor: Callable[[], object],
    runs: int,
    figures: Callable[[object], object],
    floor_figures: Callable[[object], object] | None = None,
    size: Callable[[object], int | None] = lambda value: None,
    warm: bool = True,
    setup: tuple[Callable[[], None], Callable[[], None]] | None = None,
    teardown: tuple[Callable[[object], object], Callable[[object], object]] | None = None,
) -> Result:
    """Median of ``runs`` interleaved runs (ours, floor, floor, ours, …) after one warm-up
    of each; ``figures``/``floor_figures`` turn each side's return value into comparable
    figures, which must be equal. ``setup`` (before each call) and ``teardown`` (after it,
    given its return value; returns what ``figures`` reads) run untimed, one per side.

    The floor runs in the same process, database and moment as our path, so a loaded machine
    moves both: the ratio is what to compare between runs."""
    setup = setup or (lambda: None, lambda: None)
    teardown = teardown or (lambda value: value, lambda value: value)
    sides = (
        (ours, setup[0], teardown[0]),
        (floor, setup[1], teardown[1]),
    )

    def run(side) -> Run:
        function, before, after = side
        before()
        result = _once(function)
        result.value = after(result.value)
        return result

    if warm:
        run(sides[0])
        run(sides[1])
    ours_runs: list[Run] = []
    floor_runs: list[Run] = []
    for n in range(runs):
        order = ((sides[0], ours_runs), (sides[1], floor_runs))
        for side, into in order if n % 2 == 0 else reversed(order):
            into.append(run(side))
    ours_value, floor_value = ours_runs[-1].value, floor_runs[-1].value
    mine = figures(ours_value)
    theirs = (floor_figures or figures)(floor_value)
    equal = mine == theirs
    detail = "" if equal else _difference(mine, theirs)
    return Result(
        part=part,
        what=what,
        floor_what=floor_what,
        ours_ms=statistics.median(r.seconds for r in ours_runs) * 1000,
        floor_ms=statistics.median(r.seconds for r in floor_runs) * 1000,
        queries=ours_runs[-1].queries,
        floor_queries=floor_runs[-1].queries,
        response_bytes=size(ours_value),
        peak_mib=_peak(sides[0]),
        runs=runs,
        equal=equal,
        detail=detail,
    )


def _difference(mine, theirs) -> str:
    if isinstance(mine, dict) and isinstance(theirs, dict):
        keys = sorted(set(mine) | set(theirs), key=str)
        wrong = [k for k in keys if mine.get(k) != theirs.get(k)]
        shown = ", ".join(f"{k}: ours {mine.get(k)!r} floor {theirs.get(k)!r}" for k in wrong[:5])
        return f"{len(wrong)} figures differ ({shown})"
    return f"ours {mine!r} floor {theirs!r}"


def _verdict(r: Result) -> str:
    if not r.equal:
        return "DIFFER: " + r.detail
    return f"equal ({r.detail})" if r.detail else "equal"


def table(results: list[Result]) -> str:
    header = (
        f"{'part':<22}{'ours ms':>10}{'floor ms':>10}{'×floor':>8}{'queries':>9}"
        f"{'floor q':>8}{'KB':>9}{'peak MiB':>10}  figures"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        size = f"{r.response_bytes / 1000:,.0f}" if r.response_bytes is not None else "–"
        lines.append(
            f"{r.part:<22}{r.ours_ms:>10.1f}{r.floor_ms:>10.1f}{r.ratio:>8.2f}{r.queries:>9}"
            f"{r.floor_queries:>8}{size:>9}{r.peak_mib:>10.1f}  " + _verdict(r)
        )
    lines.append("")
    lines.extend(f"{r.part}: {r.what}  |  floor: {r.floor_what}" for r in results)
    return "\n".join(lines)


def as_json(*, scale: dict, database: str, results: list[Result], build_seconds: float) -> str:
    return json.dumps(
        {
            "scale": scale,
            "database": database,
            "build_seconds": round(build_seconds, 1),
            "results": [r.as_dict() for r in results],
            "all_equal": all(r.equal for r in results),
            # The whole process (build included), as the kernel counts it.
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        },
        ensure_ascii=False,
        indent=2,
    )
