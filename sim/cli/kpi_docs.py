"""``python -m sim.cli.kpi_docs > docs/kpis.md``: write the KPI reference from the registry.

The command line's edge of :func:`sim.metrics.registry.markdown` (every plug-in service is
imported first, so that the KPIs it registers are listed).
"""

from __future__ import annotations

import sys


def main() -> None:
    """Write the markdown of every registered KPI to standard output."""
    from sim.metrics import registry

    sys.stdout.write(registry.markdown())


if __name__ == "__main__":
    main()
