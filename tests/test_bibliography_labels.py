"""The pybtex style that labels the bibliography's entries by author and year."""

from __future__ import annotations

from pybtex.database import Entry, Person

from utils.bibliography_labels import AuthorYearLabels, author_year_label


def book(key: str, year: str, *authors: str, role: str = "author") -> Entry:
    entry = Entry("book", fields={"title": key, "year": year})
    entry.key = key
    entry.persons[role] = [Person(name) for name in authors]
    return entry


def test_one_two_and_three_authors() -> None:
    assert author_year_label(book("a", "2024", "Sheldon Axler")) == "Axler, 2024"
    assert author_year_label(book("g", "2013", "Golub, Gene H.", "Van Loan, Charles F.")) == (
        "Golub and Van Loan, 2013")
    assert author_year_label(book("b", "2025", "Paige Bright", "Alan Edelman",
                                  "Steven G. Johnson")) == "Bright et al., 2025"


def test_von_part_and_editors() -> None:
    assert author_year_label(book("v", "1990", "Ludwig van Beethoven")) == (
        "van Beethoven, 1990")
    assert author_year_label(book("e", "2001", "Ann Editor", role="editor")) == (
        "Editor, 2001")


def test_repeated_labels_get_letters_in_order() -> None:
    entries = [book("x", "2020", "Ann Smith"), book("y", "2020", "Ann Smith"),
               book("z", "2021", "Ann Smith")]
    assert list(AuthorYearLabels().format_labels(entries)) == [
        "Smith, 2020a", "Smith, 2020b", "Smith, 2021"]


def test_the_books_bibliography_parses_and_every_entry_has_its_fields() -> None:
    """A malformed entry stops the whole build; this names it in a second, not minutes."""
    from pathlib import Path

    from pybtex.database import parse_file

    bib = Path(__file__).resolve().parent.parent / "book" / "references.bib"
    entries = parse_file(str(bib)).entries
    assert entries, "references.bib has no entries"
    for key, entry in entries.items():
        missing = [name for name in ("title", "year") if name not in entry.fields]
        assert not missing, f"references.bib: {key} has no {', '.join(missing)}"
        assert entry.persons.get("author") or entry.persons.get("editor"), (
            f"references.bib: {key} names no author or editor")
        label = author_year_label(entry)
        assert label and not set(label) & set("{}\\"), (
            f"references.bib: {key} is labelled {label!r}; write accented names in UTF-8 "
            "(Candès, not Cand{\\`e}s), as the citations in the text show them")
