"""The course's nbgrader preprocessors, one per module as nbgrader has them, in the order they run.

See ``course.grading.guards`` for what each one guards against and
``course.grading.nbgrader_setup.guarded_preprocessors`` for where they go.
"""

from course.grading.preprocessors.guarded_execute import GuardedExecute
from course.grading.preprocessors.judge_probes import JudgeProbes
from course.grading.preprocessors.prepare_workdir import PrepareWorkdir
from course.grading.preprocessors.split_hidden import SplitHiddenBlocks

__all__ = ["PrepareWorkdir", "SplitHiddenBlocks", "GuardedExecute", "JudgeProbes"]
