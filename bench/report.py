"""The network report (/report) over a large network: how long the figures take to compute.

Fills a new database with a synthetic network (storage/synthetic.py: members over two years,
a year of events, contact requests and four check-in rounds), then times
``NetworkReportRepository.report`` for this year, the period staff ask for before the annual
report: one warm-up run, then the median of ``--runs``. Then the same for rendering what the
staff member receives (message, two PNG charts, the workbook; handlers/network_report.py).

``now`` is fixed (mid-December by default), so the year holds nearly twelve months of
activity and runs on different days compare.

    python -m bench.report [--members 100000] [--runs 3] [--now 2026-12-15T10:00]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.i18n import Catalogs
from handlers.network_report import render
from storage.contact_stats import period
from storage.db import Database
from storage.network_report import NetworkReport, NetworkReportRepository
from storage.synthetic import fill

BERLIN = ZoneInfo("Europe/Berlin")
DEFAULT_LANGUAGE = "de"
GOAL = 5.0  # seconds (issue 9)
T = TypeVar("T")


async def timed(runs: int, step: Callable[[], Awaitable[T]]) -> tuple[list[float], T]:
    """One warm-up run (caches, SQLite's page cache), then ``runs`` timed ones."""
    result = await step()
    times: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        result = await step()
        times.append(time.perf_counter() - started)
    return times, result


def megabytes(directory: Path) -> float:
    """The database's size on disk, its write-ahead log included."""
    return sum(f.stat().st_size for f in directory.iterdir()) / 1e6


async def run(members: int, runs: int, now: datetime) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "report.sqlite3")
        try:
            started = time.perf_counter()
            counts = await fill(db, members=members, now=now, default_language=DEFAULT_LANGUAGE)
            filled = time.perf_counter() - started
            size = megabytes(Path(tmp))
            print(f"filled         : {members} members in {filled:.1f} s ({size:.0f} MB)")
            print(
                "rows           : "
                + ", ".join(f"{n} {table}" for table, n in counts.items() if table != "members")
            )
            repository = NetworkReportRepository(db, DEFAULT_LANGUAGE)
            year = period("year", now, BERLIN)

            async def report() -> NetworkReport:
                return await repository.report(year, now)

            times, figures = await timed(runs, report)
            median = statistics.median(times)
            print(f"report: {members} members, {counts['events']} events,"
                  f" {counts['registrations']} registrations, {counts['contact_requests']}"
                  f" contact requests, {counts['checkin_rounds']} check-in rounds"
                  f" — median {median:.2f} s over {runs} runs (goal < {GOAL:.0f} s)")  # fmt: skip
            print(f"  in the year  : {sum(r.new for r in figures.members)} new members,"
                  f" {len(figures.events)} events held, {figures.introductions.sent} requests"
                  f" sent, {len(figures.checkins)} check-in rounds")  # fmt: skip

            t = Catalogs(DEFAULT_LANGUAGE, BERLIN).get(DEFAULT_LANGUAGE)

            async def rendering() -> int:
                # In a worker thread, as the handler does.
                made = await asyncio.to_thread(render, t, figures)
                return len(made.text) + sum(len(png) for _, png in made.charts) + len(made.workbook)

            times, produced = await timed(runs, rendering)
            print(f"render         : message, 2 charts and workbook ({produced / 1000:.0f} kB)"
                  f" — median {statistics.median(times):.2f} s over {runs} runs")  # fmt: skip
            total = median + statistics.median(times)
            print(f"report + render: {total:.2f} s (goal < {GOAL:.0f} s)")
        finally:
            await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--now",
        type=datetime.fromisoformat,
        default=datetime(2026, 12, 15, 10, 0),
        help="the moment the report is asked for, in Europe/Berlin (default 2026-12-15T10:00)",
    )
    args = parser.parse_args()
    now = args.now if args.now.tzinfo else args.now.replace(tzinfo=BERLIN)
    asyncio.run(run(args.members, args.runs, now))


if __name__ == "__main__":
    main()
