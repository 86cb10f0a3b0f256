"""nbgrader's configuration for this course (used by `course release` and `course grade`).

Plain nbgrader reads this file too, so an instructor can run `nbgrader` commands
from the repository root. `course` copies what it needs to a scratch course
directory first, so grading never writes into solutions/ or exercises/.
"""

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.course_id = "prototype-to-production"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# Never release caches, checkpoints or anything a solution run wrote.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    ".pytest_cache",
    "artifacts",
    "golden",
    "*.pkl",
    # Learner modules are written by %%writefile cells; a .py file found in a
    # source folder is a leftover of a solution run and must never be released.
    "*.py",
]

# Per-cell time limit while autograding. The slowest graded cell (step 9's check
# that a worse model is refused: three training runs of the learner's command
# line, each in a fresh Python) took 8.1 s
# on a 2-core machine; `course bench-checks` measures every cell.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True

# Used by `course grade` only (course/grading/guards.py; plain nbgrader ignores
# them): the seconds a whole notebook may run, and the characters of output kept
# per cell. See site/reference/grading-security.md.
c.GuardedExecute.notebook_timeout = 900
c.GuardedExecute.max_output_chars = 1_000_000

# The stub a learner sees in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Kernels started for grading: no history file, and no start-up warnings on
# the grader's terminal (ipykernel 7 warns about TCP transport on every start).
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR"]
