"""``sim --help`` fits on a screen, every command takes overrides the same way, and every example
in the help texts runs (issue 16 point 5).

The examples run verbatim, in order, in a folder of their own, against a copy of the configs made
tiny (1,500 residents, a few simulated days): what is tested is that they parse and run, not
their numbers.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sim.cli import calibration_cmd, collate_cmd, report_cmd, sensitivity_cmd, warmup_cmd
from sim.cli.help import EXAMPLES, docstring_examples, short_help
from sim.config import config_dir
from tests.conftest import FULL

SUBCOMMANDS = {"collate": collate_cmd, "report": report_cmd, "check-calibration": calibration_cmd,
               "warmup": warmup_cmd, "sensitivity": sensitivity_cmd}  # fmt: skip


def sim(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m sim ARGS``."""
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=600)  # fmt: skip


def test_sim_help_fits_on_a_screen_and_names_every_subcommand() -> None:
    for flag in ("--help", "-h"):
        out = sim(flag)
        assert out.returncode == 0, out.stderr
        lines = out.stdout.splitlines()
        assert len(lines) <= 40 and max(map(len, lines)) <= 100, (len(lines), max(map(len, lines)))
        for command in SUBCOMMANDS:
            assert f"sim {command}" in out.stdout
        assert "sim --cfg job" in out.stdout  # where the whole configuration went
        assert "warm_start_days" not in out.stdout  # ... and not here
    assert out.stdout.strip() == short_help()


@pytest.mark.parametrize("command", sorted(SUBCOMMANDS))
def test_every_subcommand_takes_overrides_and_shows_its_examples(command: str) -> None:
    out = sim(command, "--help")
    assert out.returncode == 0, out.stderr
    assert "examples:" in out.stdout
    examples = docstring_examples(SUBCOMMANDS[command].__doc__)
    assert examples
    for example in examples:
        assert example in out.stdout  # each example line, whole, in the epilog
    if command in ("check-calibration", "warmup"):
        assert "KEY=VALUE" in out.stdout and "--override" not in out.stdout


def _tiny_configs(folder: Path) -> Path:
    """A copy of the configs with a tiny default model: 1,500 residents (in every place too),
    weeks not years, two replications per experiment, an ageing run of one year for the
    calibration check."""
    shutil.copytree(config_dir(), folder)
    config = folder / "config.yaml"
    text = config.read_text()
    for key, value in {"years": "0.15", "warmup_days": "7", "warm_start_days": "7"}.items():
        text, n = re.subn(rf"(?m)^{key}: *\S+", f"{key}: {value}", text)
        assert n == 1, key
    config.write_text(text)
    for preset in (folder / "population").glob("*.yaml"):
        text = re.sub(r"(?m)^size: *\d+", "size: 1500", preset.read_text())
        preset.write_text(text)
    for place in (folder / "place").glob("*.yaml"):  # a real place at 1,500 of its residents
        place.write_text(re.sub(r"(?m)^  size: *\d+", "  size: 1500", place.read_text()))
    for experiment in (folder / "experiment").glob("*.yaml"):
        experiment.write_text(re.sub(r"(?m)^replications: *\d+", "replications: 2", experiment.read_text()))
    targets = folder / "calibration" / "targets.yaml"  # a one-year ageing run, without the later years
    data = yaml.safe_load(targets.read_text())
    data["ageing_run"]["years"] = 1
    data["targets"] = {k: v for k, v in data["targets"].items() if v.get("years", [0, 1])[1] <= 1}
    targets.write_text(yaml.safe_dump(data))
    return folder


def all_examples() -> list[str]:
    """Every example of ``sim --help`` and of each subcommand's ``--help``, in a runnable order."""
    examples = [f"sim {command}" for command, _ in EXAMPLES]
    for module in SUBCOMMANDS.values():
        examples += [e for e in docstring_examples(module.__doc__) if e not in examples]
    first = [e for e in examples if e.startswith("sim -m")]  # the sweeps others collate
    return first + [e for e in examples if e not in first]


TOOLS = ("check-calibration", "warmup", "--cfg")  # examples that need no sweep run beside the others


def parses(words: list[str], env: dict[str, str]) -> None:
    """Check a subcommand example without running it: its options parse with the subcommand's own
    parser and its ``KEY=VALUE`` overrides compose (in a subprocess, against the tiny configs)."""
    command = SUBCOMMANDS[words[0]].__name__
    check = (
        "import sys; from sim.compose import load_config; import " + command + " as m\n"
        "words, parser = sys.argv[1:], m.build_parser()\n"
        "if hasattr(m, 'split_overrides'):  # check-calibration: overrides anywhere on the line\n"
        "    options, overrides = m.split_overrides(words)\n"
        "    assert not parser.parse_args(options).overrides\n"
        "else:\n"
        "    overrides = getattr(parser.parse_args(words), 'overrides', [])\n"
        "load_config(overrides)"
    )
    out = subprocess.run([sys.executable, "-c", check, *words[1:]], capture_output=True, text=True, env=env,
                         timeout=120)  # fmt: skip
    assert out.returncode == 0, f"{' '.join(words)}: {out.stderr[-2000:]}"


@pytest.mark.parametrize("part", ["study", "tools"])
def test_every_help_example_runs(tmp_path: Path, part: str) -> None:
    """Every example runs with SIM_FULL=1; in CI every run and sweep runs, and the first example
    of each subcommand; the subcommands' other examples are parsed and composed."""
    env = {**os.environ, "SIM_CONFIG_DIR": str(_tiny_configs(tmp_path / "configs"))}
    work = tmp_path / "work"
    work.mkdir()
    examples = all_examples()
    assert len(examples) >= 15
    ran: set[str] = set()
    for example in examples:
        words = shlex.split(example)[1:]
        if (words[0] in TOOLS) != (part == "tools"):
            continue
        if words[0] in SUBCOMMANDS and words[0] in ran and not FULL:
            parses(words, env)
            continue
        ran.add(words[0])
        if words[0] == "warmup":
            words += ["--replications", "2"]  # the pilot's replications; the last one counts
        out = sim(*words, cwd=work, env=env)
        allowed = {0, 1} if words[0] == "check-calibration" else {0}  # a tiny model misses targets
        assert out.returncode in allowed, f"{example}: exit {out.returncode}\n{out.stderr[-2000:]}"
        assert "error" not in out.stderr.lower() or words[0] == "check-calibration", out.stderr[-2000:]
    if part == "study":
        assert (work / "results" / "compare_organisation" / "latest" / "report.html").is_file()
        assert (work / "results" / "multirun" / "compare_organisation" / "latest").is_symlink()
