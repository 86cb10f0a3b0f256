"""Observations the grader makes itself once a learner's kernel has ended (``probe.after``).

Each module here holds functions that take literal arguments, work in the step's
folder (the current directory), run the learner's files in fresh processes where
they need to, and return plain data (JSON's types). ``course.checks.behaviour``
runs them: at once in a notebook, in a fresh sandboxed Python under ``course grade``.
"""
