"""The population pyramid: residents by sex and five-year age group at the end of the run,
today's population beside the 2035 projection. Reads a summary (or per-replication rows) only."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from sim.report import plot_style
from sim.report.plot_style import wrap
from sim.report.variants import select, short_variant, summarise, with_variant

PYRAMID_SCENARIOS = ("baseline", "ageing_2035")


def _pyramid_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Pyramid rows with sex, lower age edge and band, ordered by age."""
    parts = rows["group"].str.split(":", n=1)
    sex, band = parts.str[0], parts.str[1]
    low = band.str.extract(r"^(\d+)")[0].astype(int)
    return rows.assign(sex=sex, band=band, low=low).sort_values("low")


def pyramid_variants(summary: pd.DataFrame) -> list[str]:
    """Variants of the pyramid: those of the baseline and 2035 scenarios when present, else all."""
    rows = select(with_variant(summary), "population_by_age")
    variants = list(dict.fromkeys(rows["variant"]))
    if "scenario" in rows.columns:
        scenario = rows.drop_duplicates("variant").set_index("variant")["scenario"]
        chosen = [v for v in variants if scenario[v] in PYRAMID_SCENARIOS]
        plain = [v for v in chosen if v == scenario[v]]  # the scenarios without other overrides
        variants = plain or chosen or variants
    return variants[:6]


def plot_population_pyramid(summary: pd.DataFrame, path: Path) -> Path | None:
    """Residents by sex and five-year age group at the end, one panel per variant (men left)."""
    summary = summarise(summary)
    rows = select(summary, "population_by_age")
    variants = pyramid_variants(summary)
    if rows.empty or not variants:
        return None
    fig, axes = plt.subplots(1, len(variants), figsize=(5.5 * len(variants), 6.5), sharey=True,
                             sharex=True, constrained_layout=True, squeeze=False)  # fmt: skip
    first = _pyramid_rows(rows[rows["variant"] == variants[0]])
    bands = list(dict.fromkeys(first["band"]))
    for ax, variant in zip(axes[0], variants, strict=True):
        part = _pyramid_rows(rows[rows["variant"] == variant])
        men = part[part["sex"] == "M"].set_index("band").reindex(bands)["mean"].to_numpy(float)
        women = part[part["sex"] == "F"].set_index("band").reindex(bands)["mean"].to_numpy(float)
        y = np.arange(len(bands))
        ax.barh(y, -men, color="#4C72B0", label="men")
        ax.barh(y, women, color="#DD8452", label="women")
        if variant != variants[0]:  # the first panel's population as an outline, for comparison
            ref_m = first[first["sex"] == "M"].set_index("band").reindex(bands)["mean"].to_numpy(float)
            ref_f = first[first["sex"] == "F"].set_index("band").reindex(bands)["mean"].to_numpy(float)
            outline = {"fill": False, "edgecolor": "black", "lw": 0.8}
            ax.barh(y, -ref_m, **outline, label=f"{short_variant(variants[0])} (outline)")
            ax.barh(y, ref_f, **outline)
        ax.set_yticks(y, bands, fontsize=8)
        ax.axvline(0, color="black", lw=0.5)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):,.0f}"))
        ax.set_xlabel("residents (persons; men left, women right)")
        ax.set_title(wrap(short_variant(variant), 40))
        ax.legend(fontsize=8, loc="upper right")
    axes[0, 0].set_ylabel("age group (years)")
    fig.suptitle("Population by sex and age at the end of the measured period (mean over replications)")
    return plot_style.save(fig, path)
