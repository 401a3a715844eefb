"""How the plots draw: one colour, line style and marker per variant, variants that coincide
found and named, and saving a figure.

Variants often give exactly the same numbers (common random numbers: a scenario that does not
touch a part of the model leaves it as the baseline has it). A line drawn over another then
hides it, so every variant has its own line style and markers placed at different days, and
the plot names the variants that coincide.
"""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from sim.report.variants import short_variant

log = logging.getLogger(__name__)

LINE_STYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def colours(variants: Sequence[str]) -> dict[str, tuple]:
    """One colour per variant, stable across plots."""
    cmap = plt.get_cmap("tab10" if len(variants) <= 10 else "tab20")
    return {v: cmap(i % cmap.N) for i, v in enumerate(variants)}


def line_styles(variants: Sequence[str], points: int, marks: int = 10) -> dict[str, dict]:
    """Matplotlib line options per variant: colour, line style and markers every ``points //
    marks`` points, each variant's markers shifted so that lines drawn over each other stay
    apart."""
    colour = colours(variants)
    step = max(1, points // marks)
    n = max(1, len(variants))
    return {
        v: {
            "color": colour[v],
            "ls": LINE_STYLES[k % len(LINE_STYLES)],
            "marker": MARKERS[k % len(MARKERS)],
            "markevery": (int(k * step / n) % step, step),
            "ms": 4.5,
        }
        for k, v in enumerate(variants)
    }


def coinciding(values: Mapping[str, np.ndarray], rtol: float = 1e-9, atol: float = 0.0) -> list[list[str]]:
    """Groups (two or more, in order) of the variants whose values are equal everywhere, to within
    ``atol`` plus ``rtol`` of the larger value (NaN in the same places); ``values`` maps each
    variant to an array of the same length."""
    groups: list[list[str]] = []
    for variant, array in values.items():
        a = np.asarray(array, dtype=float)
        if not np.isfinite(a).any():
            continue
        for group in groups:
            b = np.asarray(values[group[0]], dtype=float)
            if a.shape == b.shape and np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True):
                group.append(variant)
                break
        else:
            groups.append([variant])
    return [g for g in groups if len(g) > 1]


def axis_tolerance(ax: plt.Axes, share: float = 0.005) -> float:
    """``share`` of the height of ``ax``'s y axis: lines closer than this look like one line."""
    low, high = ax.get_ylim()
    return share * abs(high - low)


def coincide_note(groups: Sequence[Sequence[str]]) -> str:
    """The variants that coincide in words: 'baseline and acute_function coincide'."""
    parts = []
    for group in groups:
        names = [short_variant(v) for v in group]
        head = ", ".join(names[:-1])
        verb = "coincide" if len(names) == 2 else "all coincide"
        parts.append(f"{head} and {names[-1]} {verb}")
    return "; ".join(parts)


def wrap(text: str, width: int = 30) -> str:
    """``text`` broken into lines of at most ``width`` characters."""
    return "\n".join(textwrap.wrap(text, width)) or text


def save(fig: plt.Figure, path: Path) -> Path:
    """Write ``fig`` as a PNG at ``path``, close it and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    log.debug("plot written to %s", path)
    return path
