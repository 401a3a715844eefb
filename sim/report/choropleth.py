"""Maps of one value per Danish municipality (choropleths), drawn with matplotlib alone.

The boundaries are package data, ``sim/data/denmark/municipalities.geojson``: DAGI 2014 polygons
(source DAGI_AREA) simplified by ``experiments/municipal_variation/build_boundaries.py``, for maps
only. A map reads a table: it is given the value of each municipality and computes nothing from
the model.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from importlib.resources import files

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.colors import Normalize
from matplotlib.patches import Patch, Rectangle

BORNHOLM = 400  # far east in the Baltic: drawn in an inset box in the upper right
ASPECT = 1.0 / math.cos(math.radians(56.0))  # lon/lat drawn with about equal km on both axes
INSET_PAD = 0.06  # degrees between Bornholm and its box


@functools.cache
def load_boundaries() -> dict[int, list[np.ndarray]]:
    """The exterior rings of each municipality by code (101 København ... 860 Hjørring), each an
    (n, 2) array of lon/lat, closed, largest first. Holes are left out: the only one, where
    Frederiksberg lies inside København, is covered when smaller rings are drawn over larger ones
    (as :func:`draw_choropleth` does). Cached and shared: the arrays are read-only."""
    path = files("sim").joinpath("data", "denmark", "municipalities.geojson")
    boundaries: dict[int, list[np.ndarray]] = {}
    for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
        rings = []
        for polygon in feature["geometry"]["coordinates"]:
            ring = np.asarray(polygon[0], dtype=float)
            ring.setflags(write=False)
            rings.append(ring)
        boundaries[int(feature["properties"]["kommunekode"])] = rings
    return boundaries


def _area(ring: np.ndarray) -> float:
    """The area of a ring in square degrees (only to order rings)."""
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)))


def _norm(numbers: np.ndarray, diverging: bool) -> Normalize:
    """The colour scale of the values: their range, or symmetric around 0 when ``diverging``."""
    finite = numbers[np.isfinite(numbers)]
    if diverging:
        largest = float(np.max(np.abs(finite))) if finite.size else 0.0
        largest = largest or 1.0
        return Normalize(vmin=-largest, vmax=largest)
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if low == high:  # one value everywhere: a small range around it
        pad = abs(low) * 0.05 or 0.5
        low, high = low - pad, high + pad
    return Normalize(vmin=low, vmax=high)


def draw_choropleth(
    ax: Axes,
    values: Mapping[int, float],
    *,
    title: str,
    label: str,
    cmap: str | None = None,
    diverging: bool = False,
    missing_colour: str = "#d9d9d9",
) -> None:
    """Fill each municipality of ``ax`` by its value in ``values`` (by kommunekode), with a colour
    bar labelled ``label``. A municipality without a value (or NaN) is drawn in ``missing_colour``
    and counted in the legend ("3 without a value"). ``cmap`` defaults to viridis, or RdBu_r when
    ``diverging``: then the scale is symmetric around 0, for a scenario's effect. Bornholm is
    drawn, moved, in a box in the upper right."""
    boundaries = load_boundaries()
    mainland = np.vstack([ring for code, rings in boundaries.items() if code != BORNHOLM for ring in rings])
    (west, south), (east, north) = mainland.min(axis=0), mainland.max(axis=0)
    shift = np.zeros(2)
    if BORNHOLM in boundaries:
        island = np.vstack(boundaries[BORNHOLM])
        low, high = island.min(axis=0), island.max(axis=0)
        corner = np.array([east, north]) - (high - low) - 2 * INSET_PAD  # lower left of the box
        shift = corner + INSET_PAD - low
        size = high - low + 2 * INSET_PAD
        ax.add_patch(Rectangle(tuple(corner), size[0], size[1], fill=False, edgecolor="0.55", lw=0.8))
        ax.text(corner[0] + size[0] / 2, corner[1] - 0.02, "Bornholm", ha="center", va="top",
                fontsize=7, color="0.35")  # fmt: skip

    polygons: list[tuple[float, np.ndarray, float]] = []  # (area, ring, value) of every ring
    missing = 0
    for code, rings in sorted(boundaries.items()):
        value = values.get(code)
        number = float(value) if value is not None else math.nan
        missing += not math.isfinite(number)
        for ring in rings:
            polygons.append((_area(ring), ring + shift if code == BORNHOLM else ring, number))
    polygons.sort(key=lambda p: -p[0])  # larger first, so that Frederiksberg lies over København

    numbers = np.array([number for _, _, number in polygons])
    colours = matplotlib.colormaps[cmap or ("RdBu_r" if diverging else "viridis")]
    collection = PolyCollection(
        [ring for _, ring, _ in polygons],
        cmap=colours.with_extremes(bad=missing_colour),
        norm=_norm(numbers, diverging),
        edgecolors="0.7",  # light grey: borders show on dark fills, coasts around pale (near 0) ones
        linewidths=0.3,
    )
    collection.set_array(np.ma.masked_invalid(numbers))
    ax.add_collection(collection)
    ax.figure.colorbar(collection, ax=ax, label=label, shrink=0.7)
    if missing:
        swatch = Patch(facecolor=missing_colour, edgecolor="0.6", lw=0.5, label=f"{missing} without a value")
        ax.legend(handles=[swatch], loc="lower left", frameon=False, fontsize=8)

    margin = 0.05
    ax.set_xlim(west - margin, east + margin)
    ax.set_ylim(south - margin, north + margin)
    ax.set_aspect(ASPECT)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title)
