"""Write the ``place`` config group, one file per place: ``python -m sim.cli.place_configs``.

Each ``sim/configs/place/<key>.yaml`` is :func:`sim.config.places.place_yaml` of its place (the
98 municipalities, the five regions and Denmark); ``tests/unit/test_places.py`` fails when a file
differs from what the rule and the shipped data give, so regenerate them after changing either.
"""

from __future__ import annotations

from pathlib import Path

from sim.config.load import config_dir
from sim.config.places import place_yaml, places


def main() -> None:
    """Write every place file into ``<config dir>/place/`` and remove files of places that are gone."""
    folder = Path(config_dir()) / "place"
    folder.mkdir(exist_ok=True)
    keys = set(places())
    for key in sorted(keys):
        (folder / f"{key}.yaml").write_text(place_yaml(key), encoding="utf-8")
    for old in folder.glob("*.yaml"):
        if old.stem not in keys:
            old.unlink()
    print(f"wrote {len(keys)} place files to {folder}")


if __name__ == "__main__":
    main()
