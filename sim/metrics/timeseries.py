"""Daily time series of one replication as tidy rows (``day, metric, group, value``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from sim.metrics.records import BOOKED, NO_PRACTICE, NO_SLOT
from sim.services.diary import ROLES

if TYPE_CHECKING:
    from sim.model import SimModel

TsRow = tuple[int, str, str, float]


def compute_timeseries(model: SimModel) -> list[TsRow]:
    """Daily series: DataCollector model variables, utilisation by role, waits and unmet."""
    return [*_collected(model), *_diary_series(model), *_request_series(model)]


def _collected(model: SimModel) -> Iterator[TsRow]:
    frame = model.datacollector.get_model_vars_dataframe()
    for column in frame.columns:
        metric, group = column.split("|")
        for day, value in enumerate(frame[column].to_numpy()):
            yield day, metric, group, float(value)


def _diary_series(model: SimModel) -> Iterator[TsRow]:
    rec = model.recorder
    for day, offered, used in zip(rec.diary_days, rec.diary_offered, rec.diary_used, strict=True):
        for r, role in enumerate(ROLES):
            total = float(offered[:, r].sum())
            if total > 0:
                yield day, "utilisation", role, float(used[:, r].sum()) / total


def _request_series(model: SimModel) -> Iterator[TsRow]:
    table = model.recorder.request_table
    if not table:
        return
    day = table["day"]
    n_days = model.calendar.total_days
    routine = (table["status"] == BOOKED) & ~table["same_day"]
    count = np.bincount(day[routine], minlength=n_days)
    wait = np.bincount(day[routine], weights=table["offset"][routine], minlength=n_days)
    unmet = np.bincount(day[np.isin(table["status"], (NO_SLOT, NO_PRACTICE))], minlength=n_days)
    for d in np.flatnonzero(count):
        yield int(d), "routine_wait_days_mean", "all", float(wait[d] / count[d])
    for d in range(n_days):
        yield d, "requests_unmet", "all", float(unmet[d])
    waiting = model.recorder.controls_waiting
    for d in range(n_days):
        value = 1000.0 * waiting[d, 2] / max(waiting[d, 3], 1)
        yield d, "controls_backlog_per_1000_chronic", "all", float(value)
