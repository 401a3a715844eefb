"""Plots for planners. Every plot reads the tidy tables only, never the model.

Plot functions take tables (``kpis``, ``summary``, ``differences``, ``timeseries``, ``jobs``) and
a path, write a PNG and return its path, or None when the tables hold nothing to draw. Tables
of a single run have no ``variant`` column: its ``scenario`` is used instead. Functions that
draw means with confidence intervals accept either a summary (``mean, ci_low, ci_high``) or
per-replication rows (``value``), which they summarise with :func:`sim.report.variants.summarise`,
and draw intervals that respect the bounds of the KPI (:mod:`sim.report.bounds`).

This module gathers them in one place; they live by what they draw:

- :mod:`sim.report.kpi_plots`: KPI means by variant (``plot_kpis`` of a single run,
  ``plot_kpi_comparison``, ``plot_access_travel``, ``plot_avoidable_by_condition``);
- :mod:`sim.report.timeseries_plots`: daily series (``plot_timeseries`` of a single run,
  ``plot_waits_utilisation``);
- :mod:`sim.report.heatmap`: ``plot_sweep_heatmap``; :mod:`sim.report.pyramid`:
  ``plot_population_pyramid``;
- :mod:`sim.report.plot_style`: colours, line styles and markers, variants that coincide.
"""

from __future__ import annotations

from sim.report.heatmap import plot_sweep_heatmap
from sim.report.kpi_plots import (
    COMPARISON_KPIS,
    HEADLINE,
    plot_access_travel,
    plot_avoidable_by_condition,
    plot_kpi_comparison,
    plot_kpis,
)
from sim.report.labels import LABELS, label
from sim.report.pyramid import plot_population_pyramid, pyramid_variants
from sim.report.timeseries_plots import TIMESERIES_PANELS, plot_timeseries, plot_waits_utilisation

__all__ = [
    "COMPARISON_KPIS",
    "HEADLINE",
    "LABELS",
    "TIMESERIES_PANELS",
    "label",
    "plot_access_travel",
    "plot_avoidable_by_condition",
    "plot_kpi_comparison",
    "plot_kpis",
    "plot_population_pyramid",
    "plot_sweep_heatmap",
    "plot_timeseries",
    "plot_waits_utilisation",
    "pyramid_variants",
]
