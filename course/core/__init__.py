"""The course's shared definitions: the step registry, what an nbgrader cell is, the
wire format between the kernel and the tools, the progress file, atomic writes.

Every other part of the course may import from here; ``core`` imports nothing else of
the course and only the standard library, so the kernel, the learner's tools, grading
and authoring all agree on one definition of each thing.
"""
