# Matrix Calculus, Executable — build, test and run the book.
# `make book` and `make test` create the virtual environment on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INSTRUCTOR_STAMP := $(VENV)/.installed-instructor

# pipefail: a failing pip is not hidden by the progress filter it is piped into.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c

# Kernels started by the build, the tests, the grader and JupyterLab encrypt their sockets
# (utils/encrypted_kernel.py); without this each one warns that it runs without encryption.
export JUPYTER_DEFAULT_PROVISIONER_NAME := encrypted-local-provisioner

# pip's own output is a few hundred lines; this counts the packages instead, on one line
# that updates in a terminal (every 25th in a log), then says what pip does next. pip's
# warnings and errors go to stderr and pass through unchanged.
PIP := PYTHONUNBUFFERED=1 $(BIN)/python -m pip install --progress-bar off
PIP_PROGRESS = awk -v tty=$$tty \
	'/^(Collecting|Requirement already satisfied|Obtaining)/ {n++; \
	if (tty) {printf "\r  %d packages checked", n; fflush()} \
	else if (n % 25 == 0) {print "  " n " packages checked"; fflush()}} \
	/^Installing collected packages/ {printf "%s  unpacking and installing them...\n", \
	(tty ? "\n" : ""); fflush()} \
	/^Successfully installed/ {print "  done"}'

# The notebooks' outputs depend on the utils package and the installed packages, which
# Sphinx does not track: it reads again (and so runs again) only the pages whose source
# changed. A successful build leaves BOOK_STAMP; when there is none, or one of the files
# below is newer, the build starts by removing Sphinx's saved environment (_build/.doctrees)
# so that every notebook runs. Evaluated when the book's recipe runs, after the install.
BOOK_STAMP := _build/.book-inputs
BOOK_INPUTS = $(wildcard $(STAMP)) requirements.txt pyproject.toml _config.yml _toc.yml \
	$(shell find utils -name '*.py')
BOOK_NEWER = $(shell find $(BOOK_INPUTS) -newer $(BOOK_STAMP))
BOOK_RUN_ALL = $(if $(wildcard $(BOOK_STAMP)),$(if $(BOOK_NEWER),$(BOOK_NEWER_SAID)),there is no earlier build)
BOOK_NEWER_SAID = these files changed since the last build: $(wordlist 1,4,$(BOOK_NEWER))$(if $(word 5,$(BOOK_NEWER)), and others)
BOOK_ALL_SAID = Every notebook runs (about a minute on two cores) because $(BOOK_RUN_ALL).
BOOK_SOME_SAID = Only the pages whose source changed since the last build run again (utils/ and the packages did not change).

# Jupyter refuses to start as root unless told that this is meant (common in containers).
LAB_ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: help book test lab student student-html instructor clean

help:
	@echo "make book          build the HTML book into _build/html (runs the notebooks; see README)"
	@echo "make test          run the whole test suite"
	@echo "make lab           open JupyterLab to run the notebooks yourself"
	@echo "make student       student notebooks (no solutions) of every chapter into _build/student"
	@echo "make student-html  the HTML book without solutions into _build/student-html"
	@echo "make instructor    also install nbgrader (requirements-instructor.txt)"
	@echo "make clean         remove build output (keeps $(VENV))"
	@echo "Grade submissions: $(BIN)/python -m utils.assignments grade book/CHAPTER.ipynb SUBMISSIONS..."

# Reinstall whenever the pins or the package metadata change.
$(STAMP): requirements.txt pyproject.toml
	@echo "Installing the pinned requirements into $(VENV) (the first time: a few minutes and about 1.4 GB)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(PIP) --quiet --upgrade pip
	@tty=0; [ -t 1 ] && tty=1; $(PIP) -r requirements.txt | $(PIP_PROGRESS)
	@touch $(STAMP)

$(INSTRUCTOR_STAMP): $(STAMP) requirements-instructor.txt
	@echo "Installing nbgrader into $(VENV)"
	@tty=0; [ -t 1 ] && tty=1; $(PIP) -r requirements-instructor.txt | $(PIP_PROGRESS)
	@touch $(INSTRUCTOR_STAMP)

instructor: $(INSTRUCTOR_STAMP)

book: $(STAMP)
	@echo "$(if $(BOOK_RUN_ALL),$(BOOK_ALL_SAID),$(BOOK_SOME_SAID))"
	$(if $(BOOK_RUN_ALL),rm -rf _build/.doctrees)
	mkdir -p _build && touch $(BOOK_STAMP).new
	env -u MPLBACKEND $(BIN)/jupyter-book build . -W -n --keep-going
	@mv $(BOOK_STAMP).new $(BOOK_STAMP)
	@echo
	@echo "The book is ready: open $(CURDIR)/_build/html/index.html in a browser."

test: $(STAMP)
	@echo "Running the test suite on two workers (about five minutes on two cores)"
	$(BIN)/python -m pytest -n 2 --dist loadfile

student: $(STAMP)
	$(BIN)/python -m utils.assignments student --toc _toc.yml --out _build/student

student-html: $(STAMP)
	$(BIN)/python -m utils.assignments student-html --out _build/student-html

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=. $(LAB_ROOT_FLAG)

clean:
	rm -rf _build .pytest_cache .hypothesis .jupyter_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
