"""``python -m sim.cli.mechanism_docs > docs/mechanisms.md``: write the mechanism register's page.

The command line's edge of :func:`sim.mechanisms.markdown` (values read from the composed configs).
"""

from __future__ import annotations

import sys


def main() -> None:
    """Write the markdown of the mechanism register to standard output."""
    from sim.mechanisms import markdown

    sys.stdout.write(markdown())


if __name__ == "__main__":
    main()
