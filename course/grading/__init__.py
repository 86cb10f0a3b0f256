"""Instructor grading: take in submissions, autograde them with nbgrader in a sandbox,
keep a class gradebook and write feedback. ``course grade`` starts in ``grade.py``."""
