"""Binder: make the learner's workspace and JupyterLab configuration, then print the configuration folder.

``.binder/start`` runs this before JupyterLab starts. It is what ``course start``
does on a laptop, minus starting JupyterLab, which Binder does itself.
"""

import sys
from pathlib import Path

from course.learner.lab_config import config_folder
from course.learner.start import prepare


def main(workspace: Path) -> None:
    lines, first_notebook = prepare(workspace)
    for line in lines:
        print(f"course: {line}", file=sys.stderr)
    print(f"course: workspace {workspace}, first notebook {first_notebook}", file=sys.stderr)
    print(config_folder(workspace))


if __name__ == "__main__":
    main(Path(sys.argv[1]).expanduser().resolve())
