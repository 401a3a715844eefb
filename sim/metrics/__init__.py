"""Metrics: the records of a run and the tidy KPI and time-series tables made from them."""

from sim.metrics.kpis import compute_kpis
from sim.metrics.records import Recorder
from sim.metrics.timeseries import compute_timeseries

__all__ = ["Recorder", "compute_kpis", "compute_timeseries"]
