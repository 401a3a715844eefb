"""Build the simplified municipality boundaries shipped as ``sim/data/denmark/municipalities.geojson``.

Reads the DAGI 2014 municipality polygons (source key DAGI_AREA: repository Neogeografen/dagi, file
``geojson/kommuner.geojson``, 311 Polygon features with properties ``KOMKODE``/``KOMNAVN``, WGS84
lon/lat with a dummy third coordinate), drops Christiansø (``0411``, not one of the 98
municipalities) and writes one MultiPolygon feature per municipality (``kommunekode`` as int,
``name``, as in ``municipalities.csv``), for maps only: areas come from ``municipalities.csv``.

How it simplifies, keeping neighbours' borders identical (no gaps or slivers between them):

1. Every ring is cut into arcs at its junctions: vertices with more than two distinct neighbours
   over all rings (where a shared border ends). A border shared by two municipalities is then
   the same arc in both, and is simplified once (in a canonical direction), so both get the
   same points. A ring without a junction (an island; Frederiksberg, and the hole it leaves in
   København) is one closed arc, started at its smallest vertex.
2. Each arc is simplified by Douglas-Peucker (numpy, endpoints kept) in a local plane in km
   (lon scaled by cos 56°), with tolerance ``TOLERANCE_KM``.
3. Coordinates are rounded to 4 decimals (about 11 m north-south, 6 m east-west), repeated points
   removed; a ring with fewer than 3 distinct points or no area is dropped, and so is an island
   (or hole) smaller than ``MIN_AREA_KM2``, except that every municipality keeps its largest ring.
4. Exteriors are written counter-clockwise and holes clockwise (RFC 7946), polygons largest
   first, features by code; the output is byte-identical on every run.

Run from the repository root::

    .venv/bin/python experiments/municipal_variation/build_boundaries.py \
        /work/shared/data/denmark/municipalities_dagi_2014.geojson

An optional second argument names the output (default ``sim/data/denmark/municipalities.geojson``).
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "sim" / "data" / "denmark" / "municipalities.geojson"
DROP = {411}  # Christiansø: not a municipality (administered by the state)
TOLERANCE_KM = 0.1  # Douglas-Peucker tolerance: 100 m
MIN_AREA_KM2 = 0.3  # islands and holes smaller than this are dropped (not a municipality's largest ring)
DECIMALS = 4
NAMES = {169: "Høje-Taastrup"}  # the official spelling, as in municipalities.csv (DAGI 2014: "Høje Taastrup")
KM_PER_DEG_LAT = 110.57
KM_PER_DEG_LON = 111.32 * math.cos(math.radians(56.0))

Point = tuple[float, float]
Ring = list[Point]  # open: the first point is not repeated at the end


def read_source(path: Path) -> tuple[dict[int, list[list[Ring]]], dict[int, str]]:
    """Polygons (exterior, then holes; rings open, lon/lat only) and names by municipality code."""
    data = json.loads(path.read_text(encoding="utf-8"))
    polygons: dict[int, list[list[Ring]]] = defaultdict(list)
    names: dict[int, str] = {}
    for feature in data["features"]:
        code = int(feature["properties"]["KOMKODE"])
        if code in DROP:
            continue
        geometry = feature["geometry"]
        parts = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        for part in parts:
            rings = [[(float(p[0]), float(p[1])) for p in ring] for ring in part]
            polygons[code].append([ring[:-1] if ring[0] == ring[-1] else ring for ring in rings])
        names.setdefault(code, NAMES.get(code, feature["properties"]["KOMNAVN"]))
    return dict(polygons), names


def plane(points: list[Point] | np.ndarray) -> np.ndarray:
    """Lon/lat to a local plane in km (equirectangular at 56° N)."""
    xy = np.asarray(points, dtype=float).reshape(-1, 2)
    return xy * np.array([KM_PER_DEG_LON, KM_PER_DEG_LAT])


def douglas_peucker(xy: np.ndarray, tolerance: float) -> np.ndarray:
    """Indexes of the points of the polyline ``xy`` (km) that Douglas-Peucker keeps (ends kept)."""
    n = len(xy)
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        a, b, inner = xy[first], xy[last], xy[first + 1 : last]
        ab = b - a
        length = math.hypot(*ab)
        if length == 0.0:  # a loop back to its start: distance to that point
            distance = np.hypot(*(inner - a).T)
        else:
            distance = np.abs(ab[0] * (inner[:, 1] - a[1]) - ab[1] * (inner[:, 0] - a[0])) / length
        far = int(np.argmax(distance))
        if distance[far] > tolerance:
            keep[first + 1 + far] = True
            stack += [(first, first + 1 + far), (first + 1 + far, last)]
    return np.flatnonzero(keep)


def junctions(rings: list[Ring]) -> set[Point]:
    """Vertices with more than two distinct neighbours over all rings: where shared borders end."""
    neighbours: dict[Point, set[Point]] = defaultdict(set)
    for ring in rings:
        for i, point in enumerate(ring):
            neighbours[point].update((ring[i - 1], ring[(i + 1) % len(ring)]))
    return {point for point, near in neighbours.items() if len(near) > 2}


def canonical(arc: tuple[Point, ...]) -> tuple[tuple[Point, ...], bool]:
    """The arc in its canonical direction (smaller end first; for a loop, smaller second point
    first) and whether it was reversed."""
    backwards = arc[::-1]
    return (backwards, True) if (arc[-1], arc[-2]) < (arc[0], arc[1]) else (arc, False)


class Simplifier:
    """Simplifies rings arc by arc, each shared arc once, so that neighbours keep one border."""

    def __init__(self, rings: list[Ring], tolerance: float) -> None:
        self.tolerance = tolerance
        self.junctions = junctions(rings)
        self.arcs: dict[tuple[Point, ...], list[Point]] = {}

    def arc(self, points: tuple[Point, ...]) -> list[Point]:
        """The kept points of an arc (ends included), the same whichever way it is walked."""
        key, reversed_ = canonical(points)
        if key not in self.arcs:
            self.arcs[key] = [key[i] for i in douglas_peucker(plane(key), self.tolerance)]
        kept = self.arcs[key]
        return kept[::-1] if reversed_ else kept

    def ring(self, ring: Ring) -> Ring:
        """The simplified ring (open)."""
        cuts = [i for i, point in enumerate(ring) if point in self.junctions]
        if not cuts:  # a closed arc: start at its smallest point, split at the point farthest from it
            start = ring.index(min(ring))
            walk = ring[start:] + ring[:start]
            if walk[-1] > walk[1]:
                walk = [walk[0], *walk[:0:-1]]
            far = int(np.argmax(np.hypot(*(plane(walk) - plane(walk[0])).T)))
            if far == 0:
                return []
            halves = (tuple(walk[: far + 1]), (*walk[far:], walk[0]))
            first, second = (self.arc(half) for half in halves)
            return first[:-1] + second[:-1]
        walk = ring[cuts[0] :] + ring[: cuts[0]]
        cuts = [i - cuts[0] for i in cuts] + [len(ring)]
        walk.append(walk[0])
        out: Ring = []
        for start, end in itertools.pairwise(cuts):
            out += self.arc(tuple(walk[start : end + 1]))[:-1]
        return out


def finish(ring: Ring) -> Ring:
    """The ring rounded to ``DECIMALS``, without repeated points."""
    out: Ring = []
    for lon, lat in ring:
        point = (round(lon, DECIMALS), round(lat, DECIMALS))
        if not out or point != out[-1]:
            out.append(point)
    while len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out


def signed_area(ring: Ring) -> float:
    """Signed area of an open ring in km² (positive when counter-clockwise)."""
    if len(ring) < 3:
        return 0.0
    x, y = plane(ring).T
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def oriented(ring: Ring, counter_clockwise: bool) -> list[list[float]]:
    """The ring closed, as GeoJSON positions, turned the requested way."""
    if (signed_area(ring) > 0) != counter_clockwise:
        ring = [ring[0], *ring[:0:-1]]
    return [[lon, lat] for lon, lat in [*ring, ring[0]]]


def simplify(polygons: dict[int, list[list[Ring]]], tolerance: float) -> dict[int, list[list[Ring]]]:
    """Every municipality's polygons simplified, small islands and holes dropped, largest first."""
    simplifier = Simplifier([r for parts in polygons.values() for poly in parts for r in poly], tolerance)
    out: dict[int, list[list[Ring]]] = {}
    for code, parts in sorted(polygons.items()):
        kept = []
        for poly in parts:
            exterior, *holes = (finish(simplifier.ring(ring)) for ring in poly)
            holes = [h for h in holes if len(h) >= 3 and abs(signed_area(h)) >= MIN_AREA_KM2]
            if len(exterior) >= 3 and abs(signed_area(exterior)) > 0.0:
                kept.append([exterior, *holes])
        kept.sort(key=lambda poly: (-abs(signed_area(poly[0])), poly[0]))
        if not kept:
            raise ValueError(f"municipality {code} has no ring left at tolerance {tolerance} km")
        out[code] = [kept[0], *(p for p in kept[1:] if abs(signed_area(p[0])) >= MIN_AREA_KM2)]
    return out


def geojson(polygons: dict[int, list[list[Ring]]], names: dict[int, str]) -> str:
    """The FeatureCollection as text: one feature per line, compact, deterministic."""
    source = (
        "DAGI_AREA: municipality polygons of DAGI 2014 (Geodatastyrelsen & Danske Kommuner, generalised "
        "to 1:500,000), repository Neogeografen/dagi, file geojson/kommuner.geojson; Christiansø dropped; "
        f"simplified with Douglas-Peucker at {TOLERANCE_KM * 1000:.0f} m on shared arcs, islands and holes "
        f"under {MIN_AREA_KM2} km² dropped, coordinates rounded to {DECIMALS} decimals, by "
        "experiments/municipal_variation/build_boundaries.py. For maps only: areas come from "
        "municipalities.csv."
    )
    head = json.dumps({"type": "FeatureCollection", "source": source}, ensure_ascii=False)[:-1]
    lines = []
    for code, parts in sorted(polygons.items()):
        coordinates = [
            [oriented(exterior, True), *(oriented(hole, False) for hole in holes)]
            for exterior, *holes in parts
        ]
        feature = {
            "type": "Feature",
            "properties": {"kommunekode": code, "name": names[code]},
            "geometry": {"type": "MultiPolygon", "coordinates": coordinates},
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    return head + ', "features": [\n' + ",\n".join(lines) + "\n]}\n"


def main(argv: list[str]) -> None:
    if len(argv) not in (2, 3):
        sys.exit(f"usage: {argv[0]} SOURCE.geojson [OUTPUT.geojson]")
    output = Path(argv[2]) if len(argv) == 3 else OUTPUT
    polygons, names = read_source(Path(argv[1]))
    simplified = simplify(polygons, TOLERANCE_KM)
    text = geojson(simplified, names)
    output.write_text(text, encoding="utf-8")
    points = sum(len(ring) for parts in simplified.values() for poly in parts for ring in poly)
    rings = sum(len(poly) for parts in simplified.values() for poly in parts)
    size = len(text.encode()) / 1024
    print(f"{output}: {len(simplified)} municipalities, {rings} rings, {points} points, {size:.0f} KB")


if __name__ == "__main__":
    main(sys.argv)
