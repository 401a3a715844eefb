"""Registers the ``sim_local`` launcher config (group ``hydra/launcher``) with Hydra."""

from dataclasses import dataclass

from hydra.core.config_store import ConfigStore


@dataclass
class SimLocalLauncherConf:
    """Config of :class:`~hydra_plugins.sim_launcher.local_launcher.SimLocalLauncher`."""

    _target_: str = "hydra_plugins.sim_launcher.local_launcher.SimLocalLauncher"
    # jobs running at once, each in a process of its own; -1 = one per core (-2: all but one, ...)
    n_jobs: int = 2


ConfigStore.instance().store(
    group="hydra/launcher", name="sim_local", node=SimLocalLauncherConf, provider="sim"
)
