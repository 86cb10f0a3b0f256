"""The learner's tools outside the kernel: the workspace, ``course start``, ``course
doctor``, headless checks (``course check``, ``course progress``) and the lab's config."""
