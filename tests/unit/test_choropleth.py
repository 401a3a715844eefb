"""The shipped municipality boundaries and the choropleth drawn from them (sim/report/choropleth.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from sim.report.choropleth import BORNHOLM, draw_choropleth, load_boundaries

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "sim" / "data" / "denmark" / "municipalities.geojson"
SCRIPT = ROOT / "experiments" / "municipal_variation" / "build_boundaries.py"
# the DAGI 2014 polygons the file is built from: on the machine that built it, not on CI
DAGI = "/work/shared/data/denmark/municipalities_dagi_2014.geojson"
SOURCE = Path(os.environ.get("SIM_DAGI_GEOJSON", DAGI))
CODES = set(pd.read_csv(ROOT / "sim" / "data" / "denmark" / "municipalities.csv")["kommunekode"].astype(int))
LEFT_OUT = (101, 825, 851)  # København, Læsø, Aalborg: drawn without a value


def _draw(values: dict[int, float], **options: object) -> tuple[Figure, PolyCollection]:
    fig = Figure(figsize=(6, 6))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    draw_choropleth(ax, values, title="test", label="value", **options)
    fig.canvas.draw()
    (collection,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    return fig, collection


def test_the_shipped_boundaries_have_every_municipality_and_no_other() -> None:
    boundaries = load_boundaries()
    assert len(CODES) == 98 and set(boundaries) == CODES  # Christiansø (411) left out
    for code, rings in boundaries.items():
        assert rings, code
        assert max(len(ring) for ring in rings) >= 4, code
        for ring in rings:
            assert ring.ndim == 2 and ring.shape[1] == 2 and np.array_equal(ring[0], ring[-1]), code
            (west, south), (east, north) = ring.min(axis=0), ring.max(axis=0)
            assert west > 7.9 and east < 15.3 and south > 54.5 and north < 57.8, code  # in Denmark


def test_the_small_islands_keep_a_ring() -> None:
    boundaries = load_boundaries()
    for code in (825, 563, 741, 492, BORNHOLM):  # Læsø, Fanø, Samsø, Ærø, Bornholm
        assert max(len(ring) for ring in boundaries[code]) >= 10, code


def test_the_shipped_file_is_small() -> None:
    assert SHIPPED.stat().st_size < 500 * 1024


def test_a_municipality_without_a_value_is_grey_and_counted() -> None:
    boundaries = load_boundaries()
    values = {code: float(i) for i, code in enumerate(sorted(CODES)) if code not in LEFT_OUT}
    values[LEFT_OUT[0]] = float("nan")  # NaN counts as no value
    fig, collection = _draw(values)
    array = collection.get_array()
    assert np.ma.isMaskedArray(array)
    rings = sum(len(rings) for rings in boundaries.values())
    grey = sum(len(boundaries[code]) for code in LEFT_OUT)
    assert len(collection.get_paths()) == len(array) == rings
    assert int(np.ma.count_masked(array)) == grey
    assert len(set(array.compressed().tolist())) == 95  # every other municipality has its own colour value
    faces = collection.get_facecolors()
    is_grey = np.all(np.isclose(faces, to_rgba("#d9d9d9")), axis=1)
    assert int(is_grey.sum()) == grey and faces.shape[0] == rings
    (ax,) = [a for a in fig.axes if a.get_title() == "test"]
    legend = ax.get_legend()
    assert legend is not None and [t.get_text() for t in legend.get_texts()] == ["3 without a value"]
    assert list(ax.get_xticks()) == [] and list(ax.get_yticks()) == []
    assert ax.get_aspect() == pytest.approx(1 / np.cos(np.radians(56)))
    assert len(fig.axes) == 2  # the map and its colour bar


def test_every_municipality_with_a_value_has_no_missing_note() -> None:
    fig, collection = _draw({code: 1.0 for code in CODES})
    assert np.ma.count_masked(collection.get_array()) == 0
    assert fig.axes[0].get_legend() is None


def test_a_diverging_map_is_symmetric_around_zero() -> None:
    values = {code: 0.5 + i / 40 for i, code in enumerate(sorted(CODES))}  # from 0.5 to about 2.9
    values[101] = -1.0
    _, collection = _draw(values, diverging=True)
    largest = max(values.values())
    assert collection.norm.vmin == -collection.norm.vmax == pytest.approx(-largest)
    assert collection.cmap.name.startswith("RdBu_r")
    _, sequential = _draw(values)  # not diverging: the range of the values
    assert sequential.norm.vmin == pytest.approx(-1.0) and sequential.norm.vmax == pytest.approx(largest)


def test_bornholm_is_moved_into_the_map() -> None:
    _, collection = _draw({code: 1.0 for code in CODES})
    east = max(path.vertices[:, 0].max() for path in collection.get_paths())
    assert east < 13.0  # Bornholm (east of 14.6) is drawn in the inset, not in its place


@pytest.mark.skipif(not SOURCE.is_file(), reason=f"the DAGI source {SOURCE} is not on this machine")
def test_the_build_script_reproduces_the_shipped_file(tmp_path: Path) -> None:
    out = tmp_path / "municipalities.geojson"
    subprocess.run([sys.executable, str(SCRIPT), str(SOURCE), str(out)], check=True, capture_output=True)
    assert out.read_bytes() == SHIPPED.read_bytes()
