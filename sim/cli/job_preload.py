"""What the local launcher's fork server imports once, before it forks the sweep's jobs.

Hydra's plugin scan and the modules a job needs (sim's task, the model, NumPy, pandas, Mesa,
SimPy, Hydra): a job forked from the server finds them loaded.
"""

from hydra.core.plugins import Plugins

import sim.cli.hydra_app
import sim.model
import sim.runner  # noqa: F401

Plugins.instance()  # the plugin scan, once for every job
