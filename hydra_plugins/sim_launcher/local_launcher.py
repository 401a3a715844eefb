"""A local Hydra launcher that runs each job of a sweep in a process of its own.

Hydra's joblib launcher runs jobs in a pool of loky workers: when one worker dies (``kill -9``,
the OOM killer) loky raises ``TerminatedWorkerError`` and the whole sweep stops, losing the
other jobs in flight. Here every job gets a process of its own, forked from a fork server that
has imported sim and Hydra once (``forkserver``, preloading :mod:`sim.cli.job_preload`), at most
``n_jobs`` at once, and the launcher waits for each one itself. A job whose process dies is recorded as
failed: an error manifest in its output directory (``sim.output.write_manifest``), its result
files removed, and a failed :class:`~hydra.core.utils.JobReturn`; the other jobs go on, and
sim's ``SweepStatus`` callback makes ``sim -m`` exit with status 1 at the end.
"""

import contextlib
import copy
import logging
import multiprocessing
import os
import pickle
import signal
import time
import traceback
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, JobStatus, configure_log, filter_overrides, run_job, setup_globals
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

log = logging.getLogger(__name__)

KILL_ENV = "SIM_KILL_JOB"  # fault injection for tests: the process of this job number kills itself
# Each job gets a process of its own, forked from a fork server: a single-threaded process started
# once per sweep that has imported sim, Hydra and their plugins (PRELOAD), so a job's process
# starts without paying for those imports (about 2 s a job), and is never a fork of the (possibly
# threaded) launcher itself. A job that dies still takes only itself down.
START_METHOD = "forkserver"
PRELOAD = ["sim.cli.job_preload"]  # outside hydra_plugins: the plugin scan must not import it
STOP_SECONDS = 3.0  # after Ctrl-C: how long the jobs' processes get to end, then after SIGTERM


class JobProcessError(RuntimeError):
    """The process of a job ended (killed, crashed, interrupted) before it returned the job's result."""


@dataclass
class FailedJobReturn(JobReturn):
    """A failed job whose ``return_value`` does not raise.

    Its status is ``FAILED``, but Hydra's basic sweeper reads ``return_value`` of every job
    after a batch and would re-raise the error there, ending the sweep before its remaining
    batches and before ``on_multirun_end`` callbacks (sim's ``SweepStatus``) run. The failure
    is already recorded in the job's manifest, as sim's task does for its own errors.
    """

    @property
    def return_value(self) -> Any:
        """The :class:`JobProcessError` that ended the job (returned, not raised)."""
        return self._return_value

    @return_value.setter
    def return_value(self, value: Any) -> None:
        """Set the job's return value."""
        self._return_value = value


@dataclass
class _Job:
    """A job of the sweep: its config and output directory, and its process once started."""

    num: int
    config: DictConfig
    outdir: Path
    process: Any = None
    reader: Connection | None = None
    started: float = 0.0
    message: tuple[str, Any] | None = None  # sent back: ("done", JobReturn) or ("error", text)
    result: JobReturn | None = None


def resolve_n_jobs(n_jobs: int) -> int:
    """The number of jobs to run at once for ``n_jobs`` (-1: one per core, -2: all cores but one)."""
    if n_jobs == 0:
        raise ValueError("hydra.launcher.n_jobs must not be 0 (-1 means one job per core)")
    if n_jobs > 0:
        return n_jobs
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, cpus + 1 + n_jobs)


def describe_exit(exitcode: int | None) -> str:
    """Say in words how a job's process ended, from its exit code (-N: killed by signal N)."""
    if exitcode is not None and exitcode < 0:
        try:
            name = f" ({signal.Signals(-exitcode).name})"
        except ValueError:
            name = ""
        return f"the job's process was killed by signal {-exitcode}{name}"
    return f"the job's process exited with code {exitcode} before the job ended"


def _child_main(conn: Connection, num: int, shared: bytes, job_config: bytes) -> None:
    """Entry point of a job's process: run the job as joblib's workers do and send back its JobReturn.

    ``shared`` pickles the Hydra context, the task function and Hydra's singletons (the config
    store), ``job_config`` the job's config; they are unpickled only after Hydra's plugin scan,
    which re-executes the plugin modules: objects unpickled before it would refer to classes
    that no longer are the modules' own, and the JobReturn could not be pickled back.
    """
    if os.environ.get(KILL_ENV, "").strip() == str(num):
        os.kill(os.getpid(), signal.SIGKILL)
    try:
        from hydra.core.plugins import Plugins
        from omegaconf.basecontainer import BaseContainer

        plugins = Plugins.instance()  # the plugin scan, once, before anything is unpickled
        hydra_context, task_function, state = pickle.loads(shared)
        config = pickle.loads(job_config)
        # keep this scan (set_state would scan again) and this process's resolvers (they do not
        # pickle: OmegaConf's own are registered on import, Hydra's by setup_globals)
        state["instances"][Plugins] = plugins
        Singleton.set_state({**state, "omegaconf_resolvers": BaseContainer._resolvers})
        setup_globals()
        ret = run_job(
            hydra_context=hydra_context,
            config=config,
            task_function=task_function,
            job_dir_key="hydra.sweep.dir",
            job_subdir_key="hydra.sweep.subdir",
        )
        message: tuple[str, Any] = ("done", ret)
    except KeyboardInterrupt:
        raise SystemExit(130) from None  # Ctrl-C: the launcher records the job; no traceback here
    except Exception as exc:
        traceback.print_exc()
        message = ("error", repr(exc))
    try:
        conn.send(message)
    except Exception as exc:  # a return value that does not pickle: send its repr instead
        ret = message[1]
        value = ret._return_value
        ret._return_value = RuntimeError(repr(value)) if ret.status == JobStatus.FAILED else repr(value)
        log.warning("the job's return value could not be sent back (%r); sending its repr", exc)
        conn.send(message)
    conn.close()


def sweep_total(config: DictConfig, first: int, batch: int) -> int | None:
    """Jobs in the whole sweep, for "job k of n": an optimising sweeper's ``n_trials``; a sweep
    launched in one batch from job 0 (the basic sweeper without ``max_batch_size``); else None
    (a sweeper that launches batches of a study whose size it does not give)."""
    trials = OmegaConf.select(config, "hydra.sweeper.n_trials", default=None)
    if trials is not None:
        return int(trials)
    if first == 0 and OmegaConf.select(config, "hydra.sweeper.max_batch_size", default=None) is None:
        return batch
    return None


class SimLocalLauncher(Launcher):
    """Hydra launcher: each job in a process of its own, ``n_jobs`` at once; a dead process fails one job."""

    def __init__(self, n_jobs: int = 2) -> None:
        """Keep the launcher's settings (``hydra.launcher.*``)."""
        self.n_jobs = n_jobs
        self.config: DictConfig | None = None
        self.task_function: TaskFunction | None = None
        self.hydra_context: HydraContext | None = None

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        """Keep what the jobs need: the Hydra context, the task function and the sweep's config."""
        self.config = config
        self.task_function = task_function
        self.hydra_context = hydra_context

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> list[JobReturn]:
        """Run one job per override list, at most ``n_jobs`` at once; return their JobReturns in order."""
        setup_globals()
        assert self.config is not None and self.task_function is not None and self.hydra_context is not None
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)
        n_jobs = resolve_n_jobs(self.n_jobs)
        log.info(f"SimLocalLauncher(n_jobs={n_jobs}) is launching {len(job_overrides)} jobs")
        log.info(f"Launching jobs, sweep output dir : {sweep_dir}")
        jobs = []
        size = {"SIM_SWEEP_PARALLEL": str(n_jobs)}
        total = sweep_total(self.config, initial_job_idx, len(job_overrides))
        if total is not None:
            size["SIM_SWEEP_JOBS"] = str(total)
        for k, overrides in enumerate(job_overrides):
            log.info("\t#{} : {}".format(initial_job_idx + k, " ".join(filter_overrides(overrides))))
            jobs.append(self._prepare(initial_job_idx + k, overrides, size))
        state = Singleton.get_state()
        state.pop("omegaconf_resolvers")  # closures: not picklable; each job process registers its own
        shared = pickle.dumps((self.hydra_context, self.task_function, state), pickle.HIGHEST_PROTOCOL)
        self._run(jobs, n_jobs, shared)
        return [job.result for job in jobs if job.result is not None]

    def _prepare(self, num: int, overrides: Sequence[str], env: dict[str, str]) -> _Job:
        """Compose the config of job ``num`` and find its output directory, as ``run_job`` will;
        ``env`` (the sweep's size, for the job's progress line) joins ``hydra.job.env_set``."""
        assert self.config is not None and self.hydra_context is not None
        config = self.hydra_context.config_loader.load_sweep_config(self.config, list(overrides))
        with open_dict(config):
            config.hydra.job.id = f"{config.hydra.job.name}_{num}"
            config.hydra.job.num = num
            config.hydra.job.env_set.update(env)
        saved = HydraConfig.instance().cfg
        try:
            HydraConfig.instance().set_config(config)  # for ${hydra:...} in the directory's name
            outdir = Path(str(OmegaConf.select(config, "hydra.sweep.dir")))
            outdir = (outdir / str(OmegaConf.select(config, "hydra.sweep.subdir"))).absolute()
        finally:
            HydraConfig.instance().cfg = saved
        return _Job(num=num, config=config, outdir=outdir)

    def _run(self, jobs: list[_Job], n_jobs: int, shared: bytes) -> None:
        """Start the jobs, keep ``n_jobs`` running, and collect each one as its process ends."""
        context = multiprocessing.get_context(START_METHOD)
        if START_METHOD == "forkserver":
            context.set_forkserver_preload(PRELOAD)
        pending = deque(jobs)
        running: list[_Job] = []
        try:
            while pending or running:
                while pending and len(running) < n_jobs:
                    running.append(self._start(pending.popleft(), context, shared))
                readers = [job.reader for job in running if job.reader is not None]
                ready = set(wait([*readers, *(job.process.sentinel for job in running)]))
                for job in list(running):
                    if job.reader is not None and job.reader in ready:
                        self._receive(job)
                    if job.process.sentinel in ready:
                        if job.reader is not None and job.reader.poll():
                            self._receive(job)
                        job.process.join()
                        running.remove(job)
                        job.result = self._collect(job)
                        wall = time.perf_counter() - job.started
                        log.info("#%d: the job's process ended after %.1f s", job.num, wall)
        except KeyboardInterrupt:
            self._interrupt(running)
            raise SystemExit(130) from None

    def _start(self, job: _Job, context: Any, shared: bytes) -> _Job:
        """Start the process of ``job``, with a pipe for its JobReturn."""
        reader, writer = context.Pipe(duplex=False)
        job_config = pickle.dumps(job.config, pickle.HIGHEST_PROTOCOL)
        job.process = context.Process(
            target=_child_main,
            args=(writer, job.num, shared, job_config),
            name=f"sim-job-{job.num}",
        )
        job.started = time.perf_counter()
        job.process.start()
        writer.close()  # the job's process holds the only writer: its end is the reader's EOF
        job.reader = reader
        return job

    @staticmethod
    def _receive(job: _Job) -> None:
        """Read what the job's process sent back (nothing when it died first); close the pipe."""
        assert job.reader is not None
        with contextlib.suppress(EOFError, OSError):  # EOF: the process died before sending
            job.message = job.reader.recv()
        job.reader.close()
        job.reader = None

    def _collect(self, job: _Job) -> JobReturn:
        """The JobReturn of a job whose process has ended; a failed one (and a manifest) if it died."""
        exitcode = job.process.exitcode
        if job.message is not None and job.message[0] == "done":
            if exitcode != 0:
                log.warning("#%d: the job ended, but its process then exited with code %s", job.num, exitcode)
            return job.message[1]
        if job.message is not None:
            reason = f"the job's process failed outside the task: {job.message[1]}"
        else:
            reason = describe_exit(exitcode)
        return self._fail(job, f"error: {reason}")

    def _fail(self, job: _Job, status: str) -> JobReturn:
        """Record ``job`` as failed: error manifest, no result files, and a failed JobReturn."""
        from sim.output import clear_results, write_manifest

        overrides = [str(o) for o in job.config.hydra.overrides.task]
        log.error("#%d failed: %s", job.num, status)
        try:
            clear_results(job.outdir)
            write_manifest(job.outdir, status, time.perf_counter() - job.started, None, overrides)
        except OSError as exc:
            log.error("#%d: could not write its manifest in %s: %r", job.num, job.outdir, exc)
        task_cfg = copy.deepcopy(job.config)
        with read_write(task_cfg), open_dict(task_cfg):
            del task_cfg["hydra"]
        ret = FailedJobReturn(
            overrides=overrides,
            cfg=task_cfg,
            hydra_cfg=OmegaConf.masked_copy(job.config, "hydra"),
            working_dir=os.getcwd(),
            task_name=str(job.config.hydra.job.name),
            status=JobStatus.FAILED,
        )
        ret.return_value = JobProcessError(status)
        return ret

    def _interrupt(self, running: list[_Job]) -> None:
        """Ctrl-C: stop the running jobs' processes and record those jobs as interrupted."""
        # Ctrl-C at a terminal reaches the jobs too: let them end on their own first, then SIGTERM,
        # then SIGKILL (a terminated process cannot clean up, for example its semaphores)
        for stop in (None, "terminate", "kill"):
            alive = [job.process for job in running if job.process.is_alive()]
            for process in alive if stop else ():
                getattr(process, stop)()
            deadline = time.monotonic() + STOP_SECONDS
            for process in alive:
                process.join(max(0.0, deadline - time.monotonic()))
        for job in running:
            if job.reader is not None and job.reader.poll():
                self._receive(job)
            if job.message is None or job.message[0] != "done":
                job.result = self._fail(job, "error: interrupted (Ctrl-C) before the job ended")
        log.error("sweep interrupted: %d running job(s) stopped, jobs not started skipped", len(running))
