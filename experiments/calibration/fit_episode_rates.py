"""Re-fit the base rates of the avoidable deteriorations so the baseline meets its admission target.

The causal links of the mechanism register (continuity, the out-of-hours GP's referrals, the
overdue controls, the acute pathway) move avoidable admissions among the 65+ away from the rate the
base rates were set for. This script finds one factor on the ``per_1000`` rates of every episode
group with ``avoidable: true`` (every age band, so the age gradient is kept) that brings the
baseline's ``avoidable_admissions_per_1000_65plus`` to the calibration target
(``configs/calibration/targets.yaml``, ``avoidable_admissions_65plus``: 58 per 1,000,
``avoidable_adm_rate_derived``), by the secant method on paired runs (the same seeds at every
factor: common random numbers), and prints the rates. With ``--write`` it rewrites the rates in
``configs/demand/danish.yaml`` (rounded to 0.01; the comments stay). Then run
``sim check-calibration`` to see every target.

Run from the repository root::

    .venv/bin/python experiments/calibration/fit_episode_rates.py                   # fit and print
    .venv/bin/python experiments/calibration/fit_episode_rates.py --write           # ... and write
    .venv/bin/python experiments/calibration/fit_episode_rates.py population.size=20000 --replications 2
"""

from __future__ import annotations

import argparse
import dataclasses
import re
from pathlib import Path

import yaml

import sim
from sim.calibration import load_targets

ROOT = Path(__file__).resolve().parents[2]
DEMAND = ROOT / "sim" / "configs" / "demand" / "danish.yaml"
KPI = "avoidable_admissions_per_1000_65plus"


def target() -> float:
    """The calibration target of avoidable admissions among the 65+ (per 1,000 a year)."""
    for t in load_targets().targets:
        if t.kpi == KPI and t.group == "all" and t.value is not None:
            return float(t.value)
    raise SystemExit(f"no target for {KPI} in the calibration targets")


def scaled(config: sim.SimConfig, factor: float) -> sim.SimConfig:
    """``config`` with the ``per_1000`` rates of every avoidable episode group times ``factor``."""
    def times(g: sim.config.schema.EpisodeGroupConfig) -> sim.config.schema.EpisodeGroupConfig:
        return dataclasses.replace(g, per_1000={b: r * factor for b, r in g.per_1000.items()})

    groups = {name: times(g) if g.avoidable else g for name, g in config.demand.episode_groups.items()}
    return dataclasses.replace(config, demand=dataclasses.replace(config.demand, episode_groups=groups))


def simulate(config: sim.SimConfig, factor: float) -> float:
    """Mean avoidable admissions per 1,000 65+ over the replications at ``factor``."""
    kpis = sim.run(scaled(config, factor)).kpis
    return float(kpis[(kpis.metric == KPI) & (kpis.group == "all")].value.mean())


def fit(config: sim.SimConfig, goal: float, tolerance: float, steps: int) -> tuple[float, float]:
    """(factor, simulated rate at it): the secant method from factors 1 and goal/rate(1)."""
    x0, y0 = 1.0, simulate(config, 1.0)
    print(f"factor 1.000: {y0:.2f} per 1,000 65+ (target {goal:.1f})")
    if abs(y0 - goal) <= tolerance:
        return x0, y0
    if y0 <= 0:
        raise SystemExit("no avoidable admissions at factor 1: run a larger population or longer")
    x1 = goal / y0
    y1 = simulate(config, x1)
    print(f"factor {x1:.3f}: {y1:.2f}")
    for _ in range(steps):
        if abs(y1 - goal) <= tolerance or y1 == y0:
            break
        x0, y0, x1 = x1, y1, x1 + (goal - y1) * (x1 - x0) / (y1 - y0)
        y1 = simulate(config, x1)
        print(f"factor {x1:.3f}: {y1:.2f}")
    return x1, y1


def write(factor: float, path: Path = DEMAND) -> list[str]:
    """Multiply the ``per_1000`` rates of the avoidable groups in ``path`` by ``factor`` in place
    (the flow-style maps of ``episode_groups``; comments and layout stay). Returns the groups."""
    text = path.read_text(encoding="utf-8")
    groups = yaml.safe_load(text)["episode_groups"]
    done = []
    for name, spec in groups.items():
        if not spec.get("avoidable"):
            continue
        pattern = re.compile(rf"(^  {re.escape(name)}: \{{per_1000: \{{)([^}}]*)(\}})", re.MULTILINE)
        rates = {band: round(float(rate) * factor, 2) for band, rate in spec["per_1000"].items()}
        body = ", ".join(f'"{band}": {rate:g}' for band, rate in rates.items())
        text, n = pattern.subn(lambda m, body=body: m.group(1) + body + m.group(3), text)
        if n != 1:
            raise SystemExit(f"{path}: episode_groups.{name}.per_1000 not found in flow style")
        done.append(name)
    path.write_text(text, encoding="utf-8")
    return done


def main(argv: list[str] | None = None) -> None:
    """Fit, print and (with ``--write``) write the factor on the avoidable base rates."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides, as for sim")
    parser.add_argument("--replications", type=int, default=4)
    parser.add_argument("--tolerance", type=float, default=0.5, help="per 1,000 65+ (default 0.5)")
    parser.add_argument("--steps", type=int, default=4, help="secant steps after the first two runs")
    here = DEMAND.relative_to(ROOT)
    parser.add_argument("--write", action="store_true", help=f"rewrite the rates in {here}")
    args = parser.parse_args(argv)
    config = sim.load_config([f"replications={args.replications}", *args.overrides])
    goal = target()
    factor, value = fit(config, goal, args.tolerance, args.steps)
    print(f"\nfactor {factor:.4f} on the avoidable per_1000: {value:.2f} per 1,000 65+ (target {goal})")
    for name, g in scaled(config, factor).demand.episode_groups.items():
        if g.avoidable:
            print(f"  {name}: per_1000 {{{', '.join(f'{b!r}: {r:.2f}' for b, r in g.per_1000.items())}}}")
    if args.write:
        print(f"written: {', '.join(write(factor))} in {DEMAND.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
