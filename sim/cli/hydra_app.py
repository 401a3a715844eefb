"""The Hydra application: compose, validate, run, write results.

``sim [overrides]`` runs one job; ``sim -m a=1,2`` sweeps with Hydra multirun (any
launcher, for example ``hydra/launcher=joblib``). Bad configuration is caught before
Hydra starts: a one-line message naming the key, exit status 2, and nothing written.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import time
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim.cli.errors import describe
from sim.cli.objective import job_objective
from sim.cli.precheck import precheck
from sim.cli.progress import job_progress
from sim.compose import place_overrides, register_schema
from sim.config import ConfigError, config_dir, config_hash, from_dict
from sim.config.schema import SimConfig
from sim.output import clear_results, git_commit, point_latest, write_manifest, write_tables
from sim.runner import run

log = logging.getLogger("sim")
EXIT_CONFIG = 2
EXIT_FAILED = 1
FAULT_ENV = "SIM_FAIL_SCENARIO"  # fault injection for tests: jobs of this scenario fail
RUNNING = "running: started and not finished (the job was killed if no process runs it)"
KILL_ENV = "SIM_KILL_AT"  # fault injection for tests: a job kills itself at this step (fault_point)
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


def _user_overrides(argv: list[str], hydra: bool = False) -> list[str]:
    """The config overrides in ``argv`` (no Hydra flags or their values; ``hydra/...`` and
    ``hydra.*`` overrides, but for the search path, only when ``hydra``)."""
    out = []
    for k, arg in enumerate(argv):
        before = argv[k - 1] if k > 0 else ""
        if before in _FLAGS_WITH_VALUE or (before in ("--info", "-i") and arg in _INFO_VALUES):
            continue
        key = arg.lstrip("+~")
        own = key.startswith("hydra")  # Hydra's own config: hydra/sweeper=..., hydra.sweeper.n_trials=...
        if arg.startswith("-") or key.startswith("hydra.searchpath=") or (own and not hydra):
            continue
        out.append(arg)
    return out


def _search_path(argv: list[str]) -> list[str]:
    """The config search path the command line adds (``--config-dir DIR``, ``-cd DIR``, or a
    ``hydra.searchpath=[...]`` override), as one override the pre-check composes with, so that
    a user's own config folder (``scenario=mine`` from ``DIR/scenario/mine.yaml``) is found there
    as Hydra finds it."""
    dirs = [argv[k + 1] for k, arg in enumerate(argv[:-1]) if arg in ("--config-dir", "-cd")]
    dirs += [arg.split("=", 1)[1] for arg in argv if arg.startswith("--config-dir=")]
    if dirs:
        return ["hydra.searchpath=[" + ",".join(f"file://{Path(d).resolve()}" for d in dirs) + "]"]
    return [a for a in argv if a.lstrip("+").startswith("hydra.searchpath=")][-1:]


def prevalidate(argv: list[str]) -> str | None:
    """Compose, validate and check every job of the command line ``argv`` (every combination
    of its sweeps); return a one-line error naming the key and where it was set, or None."""
    multirun = any(a in ("-m", "--multirun") for a in argv)
    dir_key = "hydra.sweep.dir=" if multirun else "hydra.run.dir="
    out_dir = next((a.split("=", 1)[1] for a in reversed(argv) if a.lstrip("+").startswith(dir_key)), "")
    try:
        count = precheck([*_user_overrides(argv, hydra=True), *_search_path(argv)], multirun, out_dir=out_dir)
    except ConfigError as exc:
        return str(exc)
    except Exception as exc:  # a composition error no ConfigError caught: still one line
        return describe(exc)
    if multirun:
        log.debug("checked the configs of %d jobs", count)
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
    """Hydra callback: at the end of a multirun, point ``<sweep parent>/latest`` at the sweep when
    the sweep folder sits in a folder named by the experiment (``results/multirun/<experiment>/``,
    the default; not a folder given elsewhere) and note the jobs whose manifest is not ``ok``."""

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        """Scan the sweep directory's job manifests and log the failed ones."""
        sweep = Path(config.hydra.sweep.dir)
        if sweep.resolve().parent.name == str(config.experiment.name):  # the layout of results/multirun
            point_latest(sweep)
        for path in sorted(sweep.glob("*/manifest.json")):
            try:
                status = str(json.loads(path.read_text()).get("status", "unknown"))
            except (OSError, ValueError, AttributeError) as exc:
                status = f"unreadable manifest ({exc})"
            if status != "ok":
                _failed_jobs.append(path.parent.name)
                log.error("job %s failed: %s", path.parent.name, status)


def fault_point(step: str) -> None:
    """Fault injection for tests: kill this process (as ``kill -9`` would) at ``step`` when
    ``$SIM_KILL_AT`` names it (``claimed``, ``tables``, ``plots``)."""
    if os.environ.get(KILL_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def _failure_status(exc: BaseException, outdir: Path) -> str:
    if isinstance(exc, ConfigError):
        return f"error: {describe(exc)}"
    if isinstance(exc, KeyboardInterrupt):
        return "error: interrupted (Ctrl-C) before the results were written"
    if isinstance(exc, OSError):
        where = exc.filename or outdir
        return f"error: cannot write results to {where}: {exc.strerror or exc}"
    return f"error: {exc!r}"


def _record_failure(outdir: Path, exc: BaseException, start: float, config, overrides: list[str]) -> str:
    """Remove partial results and write the error manifest (as far as the disk allows)."""
    status = _failure_status(exc, outdir)
    try:
        clear_results(outdir)
        write_manifest(outdir, status, time.perf_counter() - start, config, overrides)
    except OSError as again:
        log.error("cannot write the error manifest in %s: %s", outdir, again.strerror or again)
    return status


def _run_and_write(config: SimConfig, outdir: Path, overrides: list[str], start: float) -> None:
    """Claim ``outdir``, run ``config`` and write its tables, plots and (last) its ok manifest."""
    # Claim the folder first: from here until the ok manifest, a kill at any moment leaves a
    # manifest that is not ok, so a resume re-runs the job and collate lists it as failed.
    write_manifest(outdir, RUNNING, 0.0, config, overrides)
    fault_point("claimed")
    clear_results(outdir)
    if os.environ.get(FAULT_ENV) == config.scenario.name:
        raise RuntimeError(f"fault injected for scenario {config.scenario.name} ({FAULT_ENV})")
    num = HydraConfig.get().job.num if _in_sweep() else None
    with job_progress(config, num, overrides) as progress:
        results = run(config, progress=progress)
    write_tables(
        results.kpis,
        results.timeseries if config.output.timeseries else None,
        outdir,
        csv=config.output.csv,
        by_year=results.by_year,
    )
    fault_point("tables")
    if config.output.plots and (config.output.sweep_plots or not _in_sweep()):
        from sim.report.plots import plot_kpis, plot_timeseries

        plot_kpis(results.kpis, outdir / "kpis.png")
        if config.output.timeseries:
            plot_timeseries(results.timeseries, outdir / "timeseries.png")
    fault_point("plots")
    write_manifest(outdir, "ok", time.perf_counter() - start, config, overrides, results.info)


def _in_sweep() -> bool:
    """True inside a job of a Hydra multirun (``sim -m``)."""
    return HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN


def task(cfg: DictConfig) -> float | None:
    """One Hydra job: convert the config, run every replication, write the results, and return
    the ``objective`` for an optimising sweeper (None without one, or when the job fails: a
    failed trial for Optuna). In a sweep, a job whose directory already holds an ``ok`` run of
    the same config is skipped (its objective is read from its table)."""
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
        else:
            _run_and_write(config, outdir, overrides, start)
            log.info("results written to %s", outdir)
    except KeyboardInterrupt as exc:
        _record_failure(outdir, exc, start, config, overrides)
        raise
    except Exception as exc:
        status = _record_failure(outdir, exc, start, config, overrides)
        log.error("%s", status)
        if not multirun:
            raise SystemExit(EXIT_CONFIG if isinstance(exc, ConfigError) else 1) from None
        return None  # a failed job of a sweep: Optuna records a failed trial and goes on
    return _objective_of(config, outdir, multirun)


def _objective_of(config: SimConfig, outdir: Path, multirun: bool) -> float | None:
    """The objective of a job whose results are written; an objective its tables cannot give (a
    KPI or group the run did not write) is an error of the objective, not of the run: the results
    stay, the sweep gets None (a failed trial) and a single run exits with status 2."""
    try:
        return job_objective(config, outdir)
    except ConfigError as exc:
        log.error("the results are written, but %s", describe(exc))
        if not multirun:
            raise SystemExit(EXIT_CONFIG) from None
        return None


def run_hydra() -> None:
    """Validate the command line, then hand over to Hydra."""
    sys.argv[1:] = place_overrides(sys.argv[1:])  # place=Læsø, place=825: the place's key
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
