"""``sim --help``: one screen of subcommands, the most used overrides and examples that run.

Hydra's own help prints the whole configuration (hundreds of lines); it stays one command away
(``sim --cfg job``, with any overrides, prints the composed config). Every example here is run
by ``tests/configs/test_help.py``, at a tiny size, so none of them can rot.
"""

from __future__ import annotations

# (command, what it does); the command is what a user types after `sim`
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("scenario=health_houses replications=3", "3 paired replications"),
    ("place=Lolland scenario=health_houses", "a real municipality"),
    ("-m scenario=baseline,health_houses hydra/launcher=local", "one job per scenario"),
    ("-m experiment=compare_organisation", "a study of configs/experiment/"),
    ("collate results/multirun/compare_organisation/latest", "its study folder"),
    ("report results/compare_organisation/latest", "its report"),
    ("check-calibration population.size=20000", "baseline vs Danish targets"),
    ("warmup scenario=health_houses --replications 5", "warm-up and replications"),
    ("--cfg job scenario=health_houses", "the whole configuration"),
)

OVERRIDES: tuple[tuple[str, str], ...] = (
    ("scenario=NAME", "baseline, health_houses, ... (configs/scenario/)"),
    ("population=NAME", "national (default), urban, rural, region"),
    ("place=NAME", "a real place: Lolland, Laesoe, region_syddanmark, denmark"),
    ("population.size=N", "residents (KPIs per 1,000 stay comparable)"),
    ("years=Y warmup_days=D", "measured years, days of warm-up before them"),
    ("replications=R workers=W", "paired replications, processes to run them"),
    ("seed=S", "master seed (scenarios share random numbers by name)"),
    ("hydra/launcher=local|slurm|ray_cluster", "where the jobs of a sweep (-m) run"),
)

SUBCOMMANDS: tuple[tuple[str, str], ...] = (
    ("sim [KEY=VALUE ...]", "one job: results/runs/<scenario>/<time>/"),
    ("sim -m [KEY=A,B ...]", "a sweep: results/multirun/<experiment>/<time>/"),
    ("sim collate SWEEP [--out DIR]", "gather a sweep's jobs into a study folder"),
    ("sim report STUDY", "STUDY/report.html: key findings, tables, plots"),
    ("sim check-calibration [KEY=VALUE ...]", "compare the baseline with the Danish targets"),
    ("sim warmup [KEY=VALUE ...]", "propose warm-up days and replications from a pilot"),
    ("sim sensitivity [KEY=VALUE ...]", "effects over the register's assumptions (SALib)"),
)


def _table(rows: tuple[tuple[str, str], ...], prefix: str = "") -> list[str]:
    """Two aligned columns."""
    width = max(len(prefix + a) for a, _ in rows)
    return [f"  {(prefix + a).ljust(width)}  {b}" for a, b in rows]


def short_help() -> str:
    """The text of ``sim --help``: subcommands, common overrides and examples (under 40 lines)."""
    lines = [
        "sim: a patient-flow simulator of Danish primary care (README.md, docs/)",
        "",
        "Commands (overrides are KEY=VALUE everywhere; `sim COMMAND --help` for options):",
        *_table(SUBCOMMANDS),
        "",
        "Most used overrides (the full configuration: sim --cfg job):",
        *_table(OVERRIDES),
        "",
        "Examples:",
        *_table(EXAMPLES, prefix="sim "),
        "",
        "Docs: docs/README.md (planners, analysts, developers); KPIs: docs/kpis.md.",
    ]
    return "\n".join(lines)


def wants_help(argv: list[str]) -> bool:
    """True when the command line asks for the top-level help (``-h``/``--help``, no subcommand)."""
    return any(a in ("-h", "--help") for a in argv)


def _examples_block(doc: str | None) -> list[str]:
    """The lines of a module docstring's ``Examples::`` block (none without one)."""
    if not doc or "Examples" not in doc:
        return []
    return doc.split("Examples", 1)[1].split("::", 1)[1].split("\n\n")[1].splitlines()


def docstring_examples(doc: str | None) -> list[str]:
    """The ``sim ...`` command lines of a module docstring's ``Examples::`` block, without comments."""
    return [line.split("  #")[0].strip() for line in _examples_block(doc) if line.strip().startswith("sim ")]


def examples_epilog(doc: str | None) -> str:
    """An argparse epilog listing a subcommand's docstring examples (``sim COMMAND --help``)."""
    block = [line.strip() for line in _examples_block(doc) if line.strip()]
    return "examples:\n" + "\n".join("  " + line for line in block) if block else ""
