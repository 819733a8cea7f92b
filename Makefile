# Matrix Calculus, Executable — build, test and run the book.
# `make book` and `make test` create the virtual environment on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INSTRUCTOR_STAMP := $(VENV)/.installed-instructor

.PHONY: help book test lab student student-html instructor clean

help:
	@echo "make book          build the HTML book into _build/html (executes every notebook)"
	@echo "make test          run the whole test suite"
	@echo "make lab           open JupyterLab to run the notebooks yourself"
	@echo "make student       student notebooks (no solutions) of every chapter into _build/student"
	@echo "make student-html  the HTML book without solutions into _build/student-html"
	@echo "make instructor    also install nbgrader (requirements-instructor.txt)"
	@echo "make clean         remove build output (keeps $(VENV))"
	@echo "Grade submissions: $(BIN)/python -m utils.assignments grade book/CHAPTER.ipynb SUBMISSIONS..."

# Reinstall whenever the pins or the package metadata change.
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

$(INSTRUCTOR_STAMP): $(STAMP) requirements-instructor.txt
	$(BIN)/python -m pip install --quiet -r requirements-instructor.txt
	touch $(INSTRUCTOR_STAMP)

instructor: $(INSTRUCTOR_STAMP)

book: $(STAMP)
	env -u MPLBACKEND $(BIN)/jupyter-book build . -W -n --keep-going
	@echo
	@echo "The book is ready: open $(CURDIR)/_build/html/index.html in a browser."

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

student: $(STAMP)
	$(BIN)/python -m utils.assignments student --toc _toc.yml --out _build/student

student-html: $(STAMP)
	$(BIN)/python -m utils.assignments student-html --out _build/student-html

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=.

clean:
	rm -rf _build .pytest_cache .hypothesis .jupyter_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
