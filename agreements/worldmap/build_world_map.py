"""Build the world map's shapes once, from Natural Earth (public domain) through the npm package
world-atlas (TopoJSON), into `countries.json` beside this file: one SVG path per country, already
projected, keyed by ISO 3166 alpha-2. The app only reads that file; nothing is fetched at run time.

    python agreements/worldmap/build_world_map.py            # runs `npm pack world-atlas@2.0.2`
    python agreements/worldmap/build_world_map.py --tarball world-atlas-2.0.2.tgz

Projection: Equal Earth (Šavrič, Patterson, Jenny 2018), equal-area, so a country's colour covers
its true share of the map. Shapes are simplified (Douglas–Peucker) to a fraction of a pixel of the
1000-unit-wide map and rounded to 0.1: the 1:50m shapes keep Andorra and Monaco, which 1:110m drops."""

import argparse
import io
import json
import math
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from babel.core import get_global

HERE = Path(__file__).parent
PACKAGE = "world-atlas@2.0.2"
SOURCE = "countries-50m.json"
WIDTH = 1000.0
LATITUDES = (-57.0, 84.0)  # Antarctica and the far south are left out: no partner there
TOLERANCE = 0.3  # map units (about pixels at 1000 px)
# shapes Natural Earth gives no ISO numeric id
ALPHA2_BY_NAME = {"Kosovo": "XK"}
LEFT_OUT = {"AQ"}

A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2


def equal_earth(lon: float, lat: float) -> tuple[float, float]:
    lam, phi = math.radians(lon), math.radians(lat)
    theta = math.asin(M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = 2 * math.sqrt(3) * lam * math.cos(theta) / (3 * (9 * A4 * t6 * t2 + 7 * A3 * t6 + 3 * A2 * t2 + A1))
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, y


X_MAX = equal_earth(180, 0)[0]
SCALE = WIDTH / (2 * X_MAX)
TOP, BOTTOM = equal_earth(0, LATITUDES[1])[1], equal_earth(0, LATITUDES[0])[1]


def to_map(lon: float, lat: float) -> tuple[float, float]:
    x, y = equal_earth(lon, max(min(lat, LATITUDES[1]), LATITUDES[0]))
    return (x + X_MAX) * SCALE, (TOP - y) * SCALE


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """TopoJSON arcs are quantized and delta-encoded: back to longitude/latitude."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_points(ring: list[int], arcs) -> list[tuple[float, float]]:
    """Arc indices -> one closed ring; ~i (negative) is arc i reversed, shared points once."""
    points: list = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas–Peucker, iterative (rings of thousands of points would exhaust recursion)."""
    if len(points) < 4:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy) or 1e-12
        farthest, distance = None, tolerance
        for i in range(first + 1, last):
            px, py = points[i]
            d = abs(dy * (px - x1) - dx * (py - y1)) / norm if norm > 1e-12 else math.hypot(px - x1, py - y1)
            if d > distance:
                farthest, distance = i, d
        if farthest is not None:
            keep[farthest] = True
            stack += [(first, farthest), (farthest, last)]
    return [p for p, kept in zip(points, keep) if kept]


def unwrapped(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """A ring that crosses the antimeridian (Chukotka, Fiji) would be drawn across the whole map:
    its points on the minority side are laid on the map's edge instead."""
    longitudes = [lon for lon, _lat in points]
    if max(longitudes) - min(longitudes) <= 180:
        return points
    east = sum(lon > 0 for lon in longitudes) * 2 >= len(longitudes)
    return [(180.0 if east and lon < 0 else -180.0 if not east and lon > 0 else lon, lat) for lon, lat in points]


def ring_path(points) -> str:
    projected = simplify([to_map(lon, lat) for lon, lat in unwrapped(points)], TOLERANCE)
    rounded: list[tuple[float, float]] = []
    for x, y in projected:
        point = (round(x, 1), round(y, 1))
        if not rounded or point != rounded[-1]:
            rounded.append(point)
    if len(rounded) < 3:
        return ""
    return "M" + "L".join(f"{x:g},{y:g}" for x, y in rounded) + "Z"


def polygons_of(geometry: dict) -> list[list[list[int]]]:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


def bounds(path_points: list[tuple[float, float]]) -> list[float]:
    xs, ys = [p[0] for p in path_points], [p[1] for p in path_points]
    return [round(min(xs), 1), round(min(ys), 1), round(max(xs), 1), round(max(ys), 1)]


def convert(topology: dict) -> dict:
    arcs = decode_arcs(topology)
    aliases = get_global("territory_aliases")  # CLDR: ISO numeric -> alpha-2 ('250' -> ['FR'])
    countries, others = {}, []
    for geometry in topology["objects"]["countries"]["geometries"]:
        name = geometry.get("properties", {}).get("name", "")
        numeric = geometry.get("id")
        code = ALPHA2_BY_NAME.get(name) or (aliases.get(numeric, [None])[0] if numeric else None)
        if code in LEFT_OUT:
            continue
        rings = [ring_points(ring, arcs) for polygon in polygons_of(geometry) for ring in polygon]
        d = "".join(ring_path(ring) for ring in rings)
        all_points = [to_map(lon, lat) for ring in rings for lon, lat in ring]
        if not all_points:
            continue
        if not d:  # smaller than the tolerance: a dot, so it still has a place (and a marker)
            x, y = all_points[0]
            d = f"M{x:.1f},{y:.1f}h0.2v0.2h-0.2Z"
        shape = {"d": d, "box": bounds(all_points)}
        if code and code.isalpha() and len(code) == 2:
            if code in countries:  # one alpha-2 shared by two Natural Earth units
                countries[code]["d"] += d
                countries[code]["box"] = _union(countries[code]["box"], shape["box"])
            else:
                countries[code] = shape
        else:
            others.append(d)  # land Natural Earth separates without an ISO code (N. Cyprus, Somaliland)
    height = round((TOP - BOTTOM) * SCALE, 1)
    return {"source": f"Natural Earth 1:50m via npm {PACKAGE} ({SOURCE})", "projection": "Equal Earth",
            "width": WIDTH, "height": height, "countries": dict(sorted(countries.items())), "other_land": others}


def _union(a: list[float], b: list[float]) -> list[float]:
    return [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]


def fetch_tarball(folder: Path) -> Path:
    subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=folder, check=True, capture_output=True)
    return next(folder.glob("world-atlas-*.tgz"))


def read_package(tarball: Path) -> tuple[dict, str]:
    with tarfile.open(tarball) as archive:
        topology = json.load(io.TextIOWrapper(archive.extractfile(f"package/{SOURCE}"), encoding="utf-8"))
        licence = archive.extractfile("package/LICENSE").read().decode("utf-8")
    return topology, licence


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path, help="a world-atlas .tgz already fetched with `npm pack`")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        tarball = args.tarball or fetch_tarball(Path(folder))
        topology, licence = read_package(tarball)
    shapes = convert(topology)
    (HERE / "countries.json").write_text(json.dumps(shapes, ensure_ascii=False, separators=(",", ":")) + "\n",
                                         encoding="utf-8")
    (HERE / "LICENSE-world-atlas.txt").write_text(licence, encoding="utf-8")
    print(f"{len(shapes['countries'])} countries, {(HERE / 'countries.json').stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
