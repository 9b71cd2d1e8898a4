"""The homepage reader on pages as people write them, and when a file found in a folder is taken
as a homepage (`homepage.confident`).

The small pages here are invented for these tests; the real page and the seeds are read from
../shared through `shared_file` (a failure under CI=true when missing, a skip otherwise), and
only counts and structural facts about them are asserted.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from feedarchive.formats import detect_format, homepage, read_document
from feedarchive.formats.homepage import RANGE, confident, parse_page, section_kind

from conftest import shared_file

REPO = Path(__file__).resolve().parent.parent


def kinds(page) -> Counter:
    return Counter(entry.kind for entry in page.entries)


def entries_of(page, kind: str) -> list:
    return [entry for entry in page.entries if entry.kind == kind]


def is_confident(path: Path) -> bool:
    return confident(path, path.read_bytes()[:256 * 1024])


# -- open ranges: `(now)`, `now)`, `Present)` ---------------------------------------------
OPEN_RANGES_MD = """\
# Tomasz Orlik

## Education

- 2021.09 - (now): Ph.D. student, Lakeside Institute of Technology
- (2019.07 - now) Visiting student, Harbor Lab for Tide Models
- Tidewater College, graduate certificate (2018 – Present)
- 2016.09 – 2019.06: M.S. in Oceanography, Northfield University
- 2012.09 -- 2016.06: B.S. in Physics, Northfield University
"""


def test_ranges_ending_in_now_written_every_way_are_education_rows():
    page = parse_page(OPEN_RANGES_MD, "about.md", kind="markdown")
    education = entries_of(page, "education")
    assert [e.date for e in education] == ["2021-09", "2019-07", "2018", "2016-09", "2012-09"]
    assert [e.year for e in education] == [2021, 2019, 2018, 2016, 2012]
    assert kinds(page) == Counter(education=5)


@pytest.mark.parametrize("text", [
    "2024.09 - (now)", "(2023.07 - now)", "2026 – Present)", "2020–NOW", "Jun. 2022 – (Present)",
    "2019 - till now", "2018 to date", "2022–now.",
])
def test_open_range_shapes_are_ranges(text):
    assert RANGE.search(text) is not None


@pytest.mark.parametrize("text", ["2020 – nowhere", "2021 - presentation", "version 2024-now1"])
def test_words_that_only_begin_like_now_do_not_end_a_range(text):
    assert RANGE.search(text) is None


def test_an_open_range_under_experience_is_a_position():
    page = parse_page("Experience\n\nBuoy engineer, Harbor Lab\t2023.07 - (now)\n"
                      "Intern, Saltmarsh Survey\t2021–2022\n", "cv.txt")
    assert [(e.kind, e.date) for e in page.entries] == [("position", "2023-07"),
                                                       ("position", "2021")]


# -- the heading decides the kind ---------------------------------------------------------
KINDS_HTML = """\
<!doctype html>
<html><head><title>Ines Varga</title></head><body>
<h1>Ines Varga</h1>
<h2>Latest Updates</h2>
<ul>
  <li>2025.06.02: Our buoy dataset is public.</li>
  <li>2025.01.15: Gave a talk at the Coastal Sensing workshop.</li>
</ul>
<h2>Patents</h2>
<ul>
  <li>2024.03: A method for calibrating salinity sensors, (No. XX1234567)</li>
  <li>2022.11: A floating mount for tide gauges, (No. XX7654321)</li>
</ul>
<h2>Research Grants</h2>
<ul>
  <li>2023.09: Early-career grant for coastal sensing, 40,000 EUR</li>
</ul>
<h2>Honors &amp; Awards</h2>
<ul>
  <li>2024.12: Best Poster Award, Coastal Sensing Symposium</li>
  <li>2021.06: Dean's scholarship, Northfield University</li>
</ul>
<h2>Prizes and Grants</h2>
<ul>
  <li>2020.05: Travel prize, Young Oceanographers Meeting</li>
</ul>
<h2>Funding &amp; Awards</h2>
<ul>
  <li>2019.10: Seed fund for a student project on wave energy</li>
</ul>
</body></html>
"""


def test_dated_lines_take_the_kind_their_heading_names():
    page = parse_page(KINDS_HTML, "index.html", kind="html")
    assert [(e.kind, e.date) for e in page.entries] == [
        ("news", "2025-06-02"), ("news", "2025-01-15"),
        ("patent", "2024-03"), ("patent", "2022-11"),
        ("funding", "2023-09"),
        ("award", "2024-12"), ("award", "2021-06"),
        ("award", "2020-05"),  # `Prizes and Grants`: the first kind named
        ("funding", "2019-10"),  # `Funding & Awards`
    ]


@pytest.mark.parametrize("heading, kind", [
    ("📰 Lab News", "news"), ("Recent updates", "news"), ("Selected Publications", "publication"),
    ("Writing", "publication"), ("🧾 Granted Patents", "patent"), ("Our Funds", "funding"),
    ("Funding", "funding"), ("Grants & Honors", "funding"), ("Honors and Awards", "award"),
    ("Scholarships", "award"), ("Fellowships", "award"), ("Prizes and Funds", "award"),
    ("🎓 Education", "education"), ("Work Experience", "position"),
    ("EDUCATION AND WORK HISTORY", "education"), ("Invited Talks", "item"),
    ("Network Science", None), ("Projects", None), ("Research Interests", None), (None, None),
])
def test_heading_words_table(heading, kind):
    assert section_kind(heading) == kind


def test_plain_text_headings_for_patents_and_funding_and_every_row_shape():
    text = ("Rosa Quintero\n\nPATENTS\n\n2023 Tide gauge float\tPatent Office\n"
            "2021.04: Sensor housing, (No. YY42)\n\nFunding\n\n"
            "2022 – 2025 Coastal sensing grant, 120,000 EUR\n2019.10: Student seed fund\n\n"
            "Honors\n\n2018 Best thesis prize\n")
    page = parse_page(text, "cv.txt")
    assert [(e.kind, e.date) for e in page.entries] == [
        ("patent", "2023"), ("patent", "2021-04"), ("funding", "2022"), ("funding", "2019-10"),
        ("award", "2018")]
    assert page.entries[0].venue == "Patent Office"


def test_dated_lines_under_no_heading_stay_news():
    page = parse_page("Piotr Lamb\n\n2025.03: Moved to the Harbor Lab.\n", "notes.txt")
    assert [(e.kind, e.date) for e in page.entries] == [("news", "2025-03")]


# -- numbered works with their authors are publications ------------------------------------
PROJECTS_HTML = """\
<!doctype html>
<html><body>
<h1>Projects</h1>
<div class="box">
  <div class="tag">In Progress</div>
  <div class="text">
    <p>(1) <a href="#">Reading Tide Tables with Small Sequence Models</a></p>
    <p><em><strong>Ines Varga</strong>, Oskar Lind*, Mei Tanaka*</em></p>
    <ul><li><p>A short description of the project, with 12 datasets and 3 sites.</p></li></ul>
  </div>
</div>
<div class="box">
  <div class="tag">Journal A</div>
  <div class="text">
    <p>(2) <a href="#">Salinity Drift Correction for Cheap Sensors</a></p>
    <p><em>Ines Varga, Oskar Lind, …, Mei Tanaka*</em></p>
    <p><em>Journal of Coastal Things, Q1, IF2023=5.100</em></p>
  </div>
</div>
<div class="box">
  <div class="tag">Conference</div>
  <div class="text">
    <p>(3) <a href="#">Wave Height Forecasts on a Microcontroller</a></p>
    <p><em>Oskar Lind, Ines Varga</em></p>
    <p><em>2024 Workshop on Small Sensing (WSS2024)</em></p>
  </div>
</div>
<ul>
  <li><p>(4) <a href="#">A Survey of Buoy Networks: Methods and Practice</a>, <em>Mei Tanaka,
      Ines Varga, Oskar Lind*. Ocean Engineering Letters, Q2, IF2022=3.200</em></p></li>
</ul>
<p>(5) Visited harbours, Port Elling, North Cove</p>
<p>(6) Tide gauge hardware</p>
<p>Under Review</p>
</body></html>
"""


def test_numbered_works_followed_by_their_authors_are_publications():
    page = parse_page(PROJECTS_HTML, "index.html", kind="html")
    publications = entries_of(page, "publication")
    assert len(publications) == 4 and kinds(page) == Counter(publication=4)
    assert [p.text.split()[0] for p in publications] == ["Reading", "Salinity", "Wave", "A"]
    assert [(p.year, p.venue) for p in publications] == [
        (None, None), (None, None), (2024, "WSS"), (None, None)]  # an impact factor's year is not
    assert publications[3].text.endswith("Methods and Practice")  # the authors are cut off


def test_a_numbered_title_without_authors_is_not_a_publication():
    page = parse_page("Projects\n\n(1) Tide gauge hardware\n\nUnder Review\n\n"
                      "(2) Harbour walks, Port Elling, North Cove\n", "cv.txt")
    assert page.entries == []


# -- when a file found in a folder is a homepage -------------------------------------------
NOTES_MD = """\
# Notes on the buoy files

Measured by hand; `imported` is what the tool stored on 2025-06-01.

## Buoys

| buoy | first reading | last reading | readings | imported |
|---|---|---|---|---|
| north-7 | 2023.07 | 2024.06 | 8121 | 8121 ok |
| south-2 | 2022.09 - 2024.06 | now | 4410 | ✗ 12 missing |
| harbor-1 | 2021 | 2025 | 933 | ok |

## Sources

| buoy | origin | commit |
|---|---|---|
| north-7 | example.org/buoys/north-7 | 0123abcd |
| south-2 | example.org/buoys/south-2 | 4567ef01 |

Contact: data-desk@example.org
"""

README_MD = """\
# tidyparse

Parse tide tables. Follow us at https://x.com/tidyparse, mail tidyparse@example.org.

## Installation

```
pip install tidyparse
```

## Usage

    tidyparse read tables.csv

## Changelog

### 1.2.0 (2025-03-02)

- 2025.03: reads half-hour tables

### 1.1.0 (2024-11-20)

- 2024.11: first release on PyPI

## License

MIT
"""

ABOUT_MD = """\
---
layout: about
title: About
permalink: /
---

# About me

I am a PhD student at the Lakeside Institute of Technology, working on tide models.

## News

- *2025.04*: Paper accepted at a workshop.
"""

CV_TXT = """\
Mira Castellanos
Email: mira.castellanos@example.org
Scholar: https://scholar.google.com/citations?user=abcDEF123
GitHub: https://github.com/miracast

EDUCATION

Ph.D. in Oceanography, Lakeside Institute	2016–2021
B.S. in Physics, Northfield University	2012–2016

SELECTED PUBLICATIONS

- "Tides in Small Harbours, Measured Cheaply" M. Castellanos, P. Lamb. (OCEANS 2022)
"""

BIO_TXT = """\
I am a research engineer at the Harbor Lab, building sensors for coastal monitoring.

I received my Ph.D. from the Lakeside Institute in 2021.

Experience

  • Harbor Lab (2021 – present)
    Research Engineer

  • Saltmarsh Survey (Jun. 2019 – Aug. 2019)
    Intern

Publications
"""


@pytest.mark.parametrize("name, text, expected", [
    ("notes.md", NOTES_MD, False),
    ("README.md", README_MD, False),
    ("about.md", ABOUT_MD, True),
    ("cv.txt", CV_TXT, True),
    ("bio.txt", BIO_TXT, True),
])
def test_confident_only_for_what_clearly_is_a_homepage(write_file, name, text, expected):
    path = write_file(name, text)
    assert confident(path, path.read_bytes()) is expected
    # Named, every one of them is still read as a homepage, as before.
    assert detect_format(path) == "homepage"
    assert read_document(path).format == "homepage"


def test_headings_and_dates_alone_are_not_enough(write_file):
    path = write_file("log.txt", "Field log\n\nNews\n\n2025.04: Buoy north-7 replaced.\n"
                                 "2025.05: Buoy south-2 cleaned.\n\nUpdates\n\n"
                                 "2025.06: Both buoys read again.\n")
    assert detect_format(path) == "homepage" and not confident(path, path.read_bytes())


@pytest.mark.parametrize("head, expected", [
    (b"<!DOCTYPE html>\n<html><body><p>hello</p></body></html>", True),
    (b"\xef\xbb\xbf  <!-- saved from a browser -->\n<html lang='en'><head>", True),
    (b"<?xml version='1.0'?>\n<!DOCTYPE html><html>", True),
    (b"<head><title>t</title></head><body>x</body>", True),
    (b"<header>not a head</header>\n", False),
    (b"# Widget\n\nExample page:\n\n```html\n<!doctype html>\n<html></html>\n```\n", False),
    (b"---\nNot front matter, a rule\n---\n", False),
    (b"\x00\x01binary", False),
])
def test_html_documents_and_front_matter_open_the_file(head, expected):
    assert confident(Path("page.md"), head) is expected


def test_an_x_owner_needs_one_more_mark_of_a_personal_page(write_file):
    social = write_file("social.md", "# Social media accounts\n\nThe project posts at "
                                     "[X](https://x.com/tidyparse).\n\n## Who posts\n\n"
                                     "The release team.\n")
    person = write_file("me.md", "# Ada Brook\n\nOn [X](https://x.com/adabrook).\n\n"
                                 "## Publications\n\n- Tide Tables Revisited (OCEANS 2024)\n")
    assert not confident(social, social.read_bytes())
    assert confident(person, person.read_bytes())


def test_a_head_cut_inside_a_character_is_still_read():
    head = CV_TXT.encode() + "Ł".encode()[:1]
    assert confident(Path("cv.txt"), head)


def test_a_link_to_a_site_page_is_not_a_profile(write_file):
    path = write_file("howto.md", "# How to help\n\nWatch https://github.com/notifications, "
                                  "write to help@example.org.\n\n## News\n\nNothing yet.\n")
    assert not confident(path, path.read_bytes())


def test_this_projects_own_readme_is_not_a_homepage():
    assert not is_confident(REPO / "README.md")


# -- the real page and the seeds -----------------------------------------------------------
def real_page() -> Path:
    return shared_file("realworld", "homepage", "yzwbio.github.io-index.html")


def test_real_page_entries_per_kind_match_expected():
    page = read_document(real_page()).pages[0]
    counts = kinds(page)
    assert (counts["news"], counts["patent"], counts["funding"], counts["award"],
            counts["education"]) == (9, 4, 2, 5, 6)
    assert [e.date for e in entries_of(page, "patent")] == ["2025-04", "2024-09", "2023-11",
                                                           "2023-03"]
    assert [e.date for e in entries_of(page, "funding")] == ["2025-08", "2021-11"]
    assert [e.date for e in entries_of(page, "award")] == ["2025-10", "2025-10", "2025-09",
                                                          "2024-12", "2022-06"]
    assert [e.date for e in entries_of(page, "education")] == [
        "2024-09", "2025-11", "2023-07", "2022-09", "2018-09", "2015-09"]
    news = [e.date for e in entries_of(page, "news")]
    assert news[0] == "2025-10-29" and news[-1] == "2024-03-17"
    assert all(len(date) == 10 for date in news)


def test_real_page_numbered_works_are_publications():
    page = read_document(real_page()).pages[0]
    publications = entries_of(page, "publication")
    # 8 boxes (title, authors, venue line) and 6 one-line works below them.
    assert len(publications) == 14 and len(publications) >= 7
    assert all(len(p.text.split()) >= 3 for p in publications)
    # Only a venue line's own year dates a work; impact-factor years do not.
    assert [p.year for p in publications if p.year] == [2025]
    assert all(p.venue is None or p.venue != "IF" for p in publications)


def test_real_page_is_confident_and_its_notes_are_not():
    assert is_confident(real_page())
    assert not is_confident(shared_file("realworld", "EXPECTED.md"))
    assert not is_confident(shared_file("realworld", "ORIGINS.md"))
    # Named, a notes file is still read as a homepage, as before.
    assert detect_format(shared_file("realworld", "EXPECTED.md")) == homepage.NAME


@pytest.mark.parametrize("name, expected", [
    ("000_ac2d6b12a8ee01dd.txt",
     Counter(publication=23, award=17, position=3, education=3, item=3)),
    ("002_8c82a990720c7a7b.txt", Counter(position=4)),
    ("003_73bbf1b8326d75fa.txt", Counter(news=5, publication=4, education=2)),
])
def test_seed_homepages_are_confident_and_keep_their_entries(name, expected):
    path = shared_file("seeds", name)
    assert is_confident(path)
    assert kinds(read_document(path).pages[0]) == expected


def test_the_timeline_seed_is_not_a_homepage():
    assert not is_confident(shared_file("seeds", "001_ce5d14d513dffafc.txt"))
