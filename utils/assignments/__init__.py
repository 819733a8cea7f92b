"""Assignments from the book's chapters: student notebooks, grading, a student HTML book.

Run it as a program (``python -m utils.assignments --help``); the instructor guide,
``book/instructors.md``, shows the workflow. The modules, each with one job:
``notebooks`` (student versions: solutions blanked, prose solutions removed),
``grading`` (run submissions in fresh kernels with the test cells restored, score them),
``report`` (tables, JSON and CSV), ``studentbook`` (the HTML book without solutions) and
``hide_solutions`` (the Sphinx extension that book uses).

Importing ``utils`` does not import this package, and importing this package does not
start Jupyter machinery: the grading modules load only when they are used.
"""
