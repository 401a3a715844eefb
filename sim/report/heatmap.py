"""The heat map of a sweep over two parameters: one KPI's mean over replications for each
combination (the scenario counts as a parameter). Reads a summary and the jobs table only."""

from __future__ import annotations

import logging
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.report import plot_style
from sim.report.labels import label, param_label
from sim.report.variants import select, sort_values, summarise, swept_params, unit_of

log = logging.getLogger(__name__)


def _heat_panel(ax: plt.Axes, rows: pd.DataFrame, x: str, y: str, unit: str, fig: plt.Figure) -> None:
    """One panel of the heat map: ``y`` by ``x``, each cell its mean, written in legible ink."""
    xs, ys = sort_values(rows[x]), sort_values(rows[y])
    grid = rows.astype({x: str, y: str}).pivot_table(index=y, columns=x, values="mean", aggfunc="mean")
    grid = grid.reindex(index=ys, columns=xs)
    image = ax.imshow(grid.to_numpy(float), origin="lower", aspect="auto", cmap="viridis")
    for (i, j), value in np.ndenumerate(grid.to_numpy(float)):
        if np.isfinite(value):
            r, g, b, _ = image.cmap(image.norm(value))
            ink = "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"  # legible on the cell
            ax.text(j, i, f"{value:.3g}", ha="center", va="center", fontsize=8, color=ink)
    ax.set_xticks(range(len(xs)), xs)
    ax.set_yticks(range(len(ys)), ys)
    ax.set_xlabel(param_label(x))
    ax.set_ylabel(param_label(y))
    fig.colorbar(image, ax=ax, label=unit or "value")


def plot_sweep_heatmap(
    summary: pd.DataFrame,
    jobs: pd.DataFrame,
    path: Path,
    metric: str,
    group: str = "all",
    x: str | None = None,
    y: str | None = None,
) -> Path | None:
    """Mean of one KPI over a two-parameter sweep; None when fewer than two parameters vary."""
    params = swept_params(jobs)
    x = x or next((p for p in params if p != y), None)
    y = y or next((p for p in params if p != x), None)
    if len(params) < 2 or x not in params or y not in params or x == y:
        log.info("no heat map of %s: the study sweeps %d parameter(s)", metric, len(params))
        return None
    rows = select(summarise(summary), metric, group)
    table = jobs[jobs["status"] == "ok"] if "status" in jobs.columns else jobs
    table = table[["variant", *params]].drop_duplicates("variant").astype(str)
    table[params] = table[params].replace({"": "default", "nan": "default", "None": "default"})
    rows = rows.drop(columns=[p for p in params if p in rows.columns]).merge(table, on="variant")
    if rows.empty:
        return None
    others = [p for p in params if p not in (x, y)]
    facets = list(rows.groupby(others, sort=True)) if others else [((), rows)]
    facets = facets[:6]
    fig, axes = plt.subplots(
        1, len(facets), figsize=(6 * len(facets), 4.8), constrained_layout=True, squeeze=False
    )
    for ax, (key, part) in zip(axes[0], facets, strict=True):
        _heat_panel(ax, part, x, y, unit_of(part), fig)
        key = key if isinstance(key, tuple) else (key,)
        ax.set_title(", ".join(f"{p.split('.')[-1]}={v}" for p, v in zip(others, key, strict=True)) or "")
    fig.suptitle(f"{label(metric, group)}: mean over replications")
    return plot_style.save(fig, path)
