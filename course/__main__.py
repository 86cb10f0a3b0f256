"""``python -m course``: set up the course environment when needed, then run the CLI.

Run from a fresh clone with any Python 3.11+, this creates ``.venv`` in the
repository, installs the course into it and re-runs itself there. Inside an
environment that already has the course installed it goes straight to the CLI.
"""

import sys

from course.bootstrap import ensure_environment


def main() -> int:
    ensure_environment(sys.argv[1:])
    from course.cli.app import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
