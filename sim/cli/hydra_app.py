"""The Hydra application: compose, validate, run, write results.

``sim [overrides]`` runs one job; ``sim -m a=1,2`` sweeps with Hydra multirun (any
launcher, for example ``hydra/launcher=joblib``). Bad configuration is caught before
Hydra starts: a one-line message naming the key, exit status 2, and nothing written.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import sys
import time
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim.cli.compose import compose_config, config_dir, register_schema
from sim.cli.errors import describe
from sim.cli.progress import day_bar
from sim.config import ConfigError, config_hash, from_dict
from sim.config.schema import SimConfig
from sim.output import clear_results, git_commit, write_manifest, write_tables
from sim.runner import check, run

log = logging.getLogger("sim")
EXIT_CONFIG = 2
EXIT_FAILED = 1
FAULT_ENV = "SIM_FAIL_SCENARIO"  # fault injection for tests: jobs of this scenario fail
_failed_jobs: list[str] = []  # filled by SweepStatus at the end of a multirun

# Hydra command-line flags that take a value, and ones that take none
_FLAGS_WITH_VALUE = {
    "--config-path",
    "-cp",
    "--config-name",
    "-cn",
    "--config-dir",
    "-cd",
    "--experimental-rerun",
    "--package",
    "-p",
    "--cfg",
    "-c",
    "--shell-completion",
    "-sc",
}
_INFO_VALUES = {"all", "config", "defaults", "defaults-tree", "plugins", "searchpath"}


def _user_overrides(argv: list[str]) -> list[str]:
    """The config overrides in ``argv`` (no Hydra flags or their values, no ``hydra.*`` overrides)."""
    out = []
    for k, arg in enumerate(argv):
        before = argv[k - 1] if k > 0 else ""
        if before in _FLAGS_WITH_VALUE or (before in ("--info", "-i") and arg in _INFO_VALUES):
            continue
        if arg.startswith("-") or arg.lstrip("+~").startswith("hydra"):
            continue
        out.append(arg)
    return out


def _variants(overrides: list[str]) -> list[list[str]]:
    """Override lists that together try every value of every sweep at least once."""
    parsed = OverridesParser.create().parse_overrides(overrides)
    choices = []
    for ov in parsed:
        if ov.is_sweep_override():
            values = list(ov.sweep_string_iterator())
            key = ov.get_key_element()
            choices.append([f"{key}={v}" for v in values])
        else:
            choices.append([ov.input_line])
    longest = max((len(c) for c in choices), default=1)
    return [[c[min(i, len(c) - 1)] for c in choices] for i in range(longest)] or [[]]


def prevalidate(argv: list[str]) -> str | None:
    """Compose and validate every sweep value in ``argv``; return an error line or None."""
    try:
        variants = _variants(_user_overrides(argv))
    except Exception as exc:
        return describe(exc)
    for overrides in itertools.islice(variants, 50):
        try:
            config = from_dict(compose_config(overrides))
            check(config)
        except Exception as exc:
            key = overrides[-1].split("=")[0] if overrides else ""
            return describe(exc, key)
    return None


def already_done(outdir: Path, config: SimConfig) -> bool:
    """True when ``outdir`` holds an ``ok`` run of the same configuration on the same commit
    (a sweep re-run; uncommitted changes to the code are not seen)."""
    try:
        manifest = json.loads((outdir / "manifest.json").read_text())
    except (OSError, json.JSONDecodeError):
        return False
    return (
        manifest.get("status") == "ok"
        and manifest.get("config_hash") == config_hash(config)
        and manifest.get("git_commit") == git_commit()
        and any((outdir / name).exists() for name in ("kpis.parquet", "kpis.csv"))
    )


class SweepStatus(Callback):
    """Hydra callback: at the end of a multirun, note the jobs whose manifest is not ``ok``."""

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        """Scan the sweep directory's job manifests and log the failed ones."""
        sweep = Path(config.hydra.sweep.dir)
        for path in sorted(sweep.glob("*/manifest.json")):
            status = json.loads(path.read_text()).get("status", "unknown")
            if status != "ok":
                _failed_jobs.append(path.parent.name)
                log.error("job %s failed: %s", path.parent.name, status)


def task(cfg: DictConfig) -> None:
    """One Hydra job: convert the config, run every replication, write the results. In a
    sweep, a job whose directory already holds an ``ok`` run of the same config is skipped."""
    outdir = Path(HydraConfig.get().runtime.output_dir)
    overrides = list(HydraConfig.get().overrides.task)
    multirun = HydraConfig.get().mode == RunMode.MULTIRUN
    start = time.perf_counter()
    config = None
    try:
        data = OmegaConf.to_container(cfg, resolve=True)
        config = from_dict(data)
        if multirun and already_done(outdir, config):
            log.info("job %s: an ok run of the same config is there already; skipped", outdir.name)
            return
        clear_results(outdir)
        if os.environ.get(FAULT_ENV) == config.scenario.name:
            raise RuntimeError(f"fault injected for scenario {config.scenario.name} ({FAULT_ENV})")
        with day_bar(config, config.scenario.name) as bar:
            results = run(config, progress=bar.update)
        write_tables(
            results.kpis,
            results.timeseries if config.output.timeseries else None,
            outdir,
            csv=config.output.csv,
            by_year=results.by_year,
        )
        if config.output.plots:
            from sim.report.plots import plot_kpis, plot_timeseries

            plot_kpis(results.kpis, outdir / "kpis.png")
            if config.output.timeseries:
                plot_timeseries(results.timeseries, outdir / "timeseries.png")
        write_manifest(outdir, "ok", time.perf_counter() - start, config, overrides, results.info)
        log.info("results written to %s", outdir)
    except Exception as exc:
        clear_results(outdir)
        status = f"error: {describe(exc)}" if isinstance(exc, ConfigError) else f"error: {exc!r}"
        write_manifest(outdir, status, time.perf_counter() - start, config, overrides)
        log.error("%s", status)
        if not multirun:
            raise SystemExit(EXIT_CONFIG if isinstance(exc, ConfigError) else 1) from None


def run_hydra() -> None:
    """Validate the command line, then hand over to Hydra."""
    error = prevalidate(sys.argv[1:])
    if error:
        print(f"sim: config error: {error}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG)
    register_schema()
    app = hydra.main(version_base="1.3", config_path=config_dir(), config_name="config")(task)
    app()
    if _failed_jobs:
        print(
            f"sim: {len(_failed_jobs)} job(s) of the sweep failed: {', '.join(_failed_jobs)}", file=sys.stderr
        )
        raise SystemExit(EXIT_FAILED)
