"""``sim sensitivity``: how much each scenario's effect depends on the assumptions of the
mechanism register (docs/mechanisms.md), by global sensitivity analysis with SALib.

Examples::

    sim sensitivity --factors overdue_grace,acute_direct_calls -n 1 --scenarios baseline,acute_function
    sim sensitivity -n 4 --scenarios baseline,health_houses,acute_function hydra/launcher=local
    sim sensitivity --method latin -n 64 --factors chronic_care_hazard,ooh_treat_factor
    sim sensitivity --analyse results/sensitivity/latest

The design (Morris trajectories by default: ``n`` x (factors + 1) points; ``--method latin``:
``n`` points of a Latin hypercube) is written as a config group of one file per sample and
scenario under ``<out>/configs/sample/``, then run as one Hydra sweep (``sim -m +sample=glob(*)``,
with the launcher and overrides given here, so a cluster launcher runs it), every scenario of a
sample with the same seed. Then ``sensitivity_summary.csv`` (each scenario's effect against the
reference: median, 90% interval over the samples, share of samples in which it is better),
``sensitivity_ranking.csv`` (the factors that drive each effect), ``sensitivity.png`` and
``sensitivity.md`` (a plain reading), and the cost per avoided avoidable admission with its
acceptability curve (``sensitivity_icer.csv``, ``sensitivity_ceac.csv``, ``ceac.png``) are
written in ``<out>``. ``--analyse DIR`` reads a sweep that ran already (elsewhere, or interrupted
and resumed). A factor that no chosen scenario has, or whose key an override fixes, is not varied
(the command names it); every sample's config is validated before the sweep starts. See
docs/sensitivity.md.

Exit status: 0 when every job ran, 1 when some failed (the analysis uses the others), 2 for a bad
argument or configuration.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from sim.cli.help import examples_epilog

EXIT_CONFIG = 2
DEFAULT_SCENARIOS = ("baseline", "health_houses", "acute_function")
DESIGN_FILE = "sensitivity.json"  # how the design was drawn (method, n, seed, scenarios, reference)


def build_parser() -> argparse.ArgumentParser:
    """The options of ``sim sensitivity``; ``KEY=VALUE`` overrides go to every job."""
    parser = argparse.ArgumentParser(
        prog="sim sensitivity",
        description=(__doc__ or "").split("\n\n")[0].replace("``", ""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=examples_epilog(__doc__),
    )
    parser.add_argument("--method", choices=("morris", "latin"), default="morris", help="design (morris)")
    parser.add_argument("-n", type=int, default=4, help="Morris trajectories, or Latin points (4)")
    parser.add_argument("--factors", default="", help="register entries to vary, comma-separated (all)")
    parser.add_argument(
        "--scenarios",
        default=",".join(DEFAULT_SCENARIOS),
        help="scenarios, the reference first (%(default)s)",
    )
    parser.add_argument("--seed", type=int, default=2025, help="seed of the design (2025)")
    parser.add_argument("--out", type=Path, default=None, help="folder (results/sensitivity/<time>)")
    parser.add_argument("--analyse", type=Path, default=None, metavar="DIR", help="only read a finished DIR")
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides, as for sim")
    return parser


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Options and overrides, in any order; an override without ``=`` is refused."""
    parser = build_parser()
    args = parser.parse_intermixed_args(list(argv))
    bad = [a for a in args.overrides if "=" not in a]
    if bad:
        parser.error(f"unknown argument {bad[0]!r} (overrides are KEY=VALUE)")
    if args.n < 1:
        parser.error("-n must be at least 1")
    return args


def main(argv: Sequence[str]) -> int:
    """Draw the design, run it as one sweep, and analyse it (or only analyse ``--analyse DIR``)."""
    args = parse_args(argv)
    overrides = list(args.overrides)
    if args.analyse is not None:
        return analyse(args.analyse)
    from sim.sensitivity.design import applies, check_samples, sample, select, write_samples

    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    keys = {o.split("=", 1)[0].lstrip("+~") for o in overrides}
    try:
        if keys & {"scenario", "sample"}:
            raise ValueError(
                "--scenarios chooses the scenarios and the design the samples: no scenario= or +sample="
            )
        if len(scenarios) < 2:
            raise ValueError("--scenarios: name the reference and at least one scenario to compare with it")
        chosen = select([f.strip() for f in args.factors.split(",") if f.strip()])
        # a factor whose key an override fixes, or that no chosen scenario has, is not varied
        fixed = [m for m in chosen if any(_overlap(p, k) for p in m.parameters for k in keys)]
        idle = [m for m in chosen if m not in fixed and not any(applies(m, sc) for sc in scenarios)]
        factors = [m for m in chosen if m not in fixed and m not in idle]
        for what, dropped in (("an override fixes", fixed), ("no chosen scenario has", idle)):
            if dropped:
                print(f"sim sensitivity: not varied ({what} them): {', '.join(m.name for m in dropped)}")
        design = sample(factors, args.method, args.n, args.seed)
        problem = check_samples(design, scenarios)
        if problem:
            raise ValueError(problem)
    except Exception as exc:  # a bad factor, scenario or sample: one line
        from sim.cli.errors import describe

        print(f"sim sensitivity: {describe(exc)}", file=sys.stderr)
        return EXIT_CONFIG
    out = args.out or Path("results") / "sensitivity" / dt.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    out.mkdir(parents=True, exist_ok=True)
    written = write_samples(design, scenarios, out)
    facts = {
        "method": args.method,
        "n": args.n,
        "seed": args.seed,
        "scenarios": scenarios,
        "overrides": overrides,
    }
    (out / DESIGN_FILE).write_text(json.dumps(facts, indent=1) + "\n")
    print(
        f"sim sensitivity: {len(factors)} factor(s), {len(design.points)} sample(s) x {len(scenarios)} "
        f"scenario(s) = {len(written)} jobs, in {out}",
        flush=True,
    )
    command = [
        sys.executable, "-m", "sim", "-m", "--config-dir", str((out / "configs").resolve()),
        "+sample=glob(*)", f"hydra.sweep.dir={(out / 'runs').resolve()}", *overrides,
    ]  # fmt: skip
    sweep = subprocess.run(command, check=False)
    if sweep.returncode == EXIT_CONFIG:
        return EXIT_CONFIG  # a bad override: the sweep said which, and ran nothing
    status = analyse(out)
    return status or (1 if sweep.returncode else 0)


def _overlap(path: str, key: str) -> bool:
    """True when an override of ``key`` sets ``path`` or part of it."""
    return path == key or path.startswith(key + ".") or key.startswith(path + ".")


def analyse(folder: Path) -> int:
    """Read the sweep of ``folder`` and write the summary, ranking, plot and reading."""
    from sim.output import point_latest
    from sim.sensitivity.analysis import economics, effects, rank, sample_values, summarise
    from sim.sensitivity.design import read_design
    from sim.sensitivity.report import economics_reading, reading, write_ceac, write_plot

    try:
        facts = json.loads((folder / DESIGN_FILE).read_text())
        design = read_design(folder, facts["method"], int(facts["seed"]))
    except (OSError, ValueError, KeyError) as exc:
        print(f"sim sensitivity: {folder} holds no design ({exc})", file=sys.stderr)
        return EXIT_CONFIG
    values = sample_values(folder / "runs")
    reference = facts["scenarios"][0]
    effect = effects(values, reference)
    summary, ranking = summarise(effect), rank(design, effect)
    summary.to_csv(folder / "sensitivity_summary.csv", index=False)
    ranking.to_csv(folder / "sensitivity_ranking.csv", index=False)
    effect.to_csv(folder / "sensitivity_effects.csv", index=False)
    write_plot(ranking, summary, folder / "sensitivity.png")
    icer, ceac = economics(values, reference)
    icer.to_csv(folder / "sensitivity_icer.csv", index=False)
    ceac.to_csv(folder / "sensitivity_ceac.csv", index=False)
    write_ceac(ceac, folder / "ceac.png")
    expected = len(design.points) * len(facts["scenarios"])
    ran = values[["sample", "scenario"]].drop_duplicates().shape[0] if len(values) else 0
    text = reading(summary, ranking, facts, ran, expected) + economics_reading(icer, ceac)
    (folder / "sensitivity.md").write_text(text)
    print(text)
    if folder.parent.name == "sensitivity":
        point_latest(folder)
    return 0 if ran == expected else 1
