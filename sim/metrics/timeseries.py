"""Daily time series of one replication as tidy rows (``day, metric, group, value``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

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
    if not model.recorder.request_days_recorded:
        return
    count, wait, unmet = model.recorder.request_days[:, :3].T  # per day, warm-up included
    for d in np.flatnonzero(count):
        yield int(d), "routine_wait_days_mean", "all", float(wait[d] / count[d])
    for d in range(model.calendar.total_days):
        yield d, "requests_unmet", "all", float(unmet[d])
    waiting = model.recorder.controls_waiting
    for d in range(model.calendar.total_days):
        value = 1000.0 * waiting[d, 2] / max(waiting[d, 3], 1)
        yield d, "controls_backlog_per_1000_chronic", "all", float(value)
