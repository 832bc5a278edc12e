"""The printable progress report: PDF (Arabic shaped, checked by OCR of the rendered page;
Vietnamese diacritics) and XLSX.

The PDF checks need Debian's poppler-utils (pdftoppm, pdftotext) and tesseract-ocr with its
Arabic data (tesseract-ocr-ara). Without them they are skipped with the reason; .ci/run installs
them and sets LIAISON_REQUIRE_OCR=1, which turns that skip into a failure.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from liaison.implementation import printing, reporting, tree
from liaison.implementation.completeness import completeness
from liaison.implementation.progress import plan_trees
from liaison.implementation.testing import assign_to, make_plan, make_task

pytestmark = pytest.mark.django_db

ARABIC_TITLE = "خطة تنفيذ التوجيه"
VIETNAMESE_TITLE = "Kế hoạch thực hiện Chỉ thị 12"
# What OCR must read on the first page of the Arabic report: the plan's title, a task's title
# and the label of an organisation the reader cannot see (translated).
ARABIC_PHRASES = [ARABIC_TITLE, "استقبال الوفود", "جهة لا يمكنك رؤيتها"]
GENERATED_AT = dt.datetime(2024, 1, 20, 3, 30, tzinfo=dt.UTC)


def _tools_problem() -> str | None:
    missing = [tool for tool in ("pdftoppm", "pdftotext", "tesseract") if shutil.which(tool) is None]
    if missing:
        return f"{', '.join(missing)} not installed (apt-get install poppler-utils tesseract-ocr)"
    languages = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout.split()
    if "ara" not in languages:
        return "tesseract has no Arabic data (apt-get install tesseract-ocr-ara)"
    return None


@pytest.fixture
def pdf_tools():
    problem = _tools_problem()
    if problem:
        if os.environ.get("LIAISON_REQUIRE_OCR"):  # CI installs them: a skip there hides a fault
            pytest.fail(f"{problem}, and LIAISON_REQUIRE_OCR is set")
        pytest.skip(problem)


def _ocr_first_page(pdf: bytes, tmp_path: Path) -> str:
    """The first page rendered at 300 dpi, read back by tesseract in Arabic."""
    (tmp_path / "report.pdf").write_bytes(pdf)
    render = ["pdftoppm", "-r", "300", "-png", "-f", "1", "-l", "1", "-singlefile", "report.pdf", "page"]
    subprocess.run(render, cwd=tmp_path, check=True)
    text = subprocess.run(
        ["tesseract", "page.png", "-", "-l", "ara"],
        cwd=tmp_path,
        # One thread: pytest runs a test per core already, and OpenMP makes tesseract five times slower.
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # Tesseract marks directions with invisible characters; compare the letters and single spaces.
    return " ".join(re.sub("[\u200e\u200f\u061c]", "", text).split())


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    (tmp_path / "report.pdf").write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", "report.pdf", "-"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def printed(world, report_for):
    """A plan with one objective and two tasks, assigned to Hà Nội and Huế, with reports for
    2023-Q1; the reader sees every organisation but Huế."""
    plan = make_plan(
        world["directive"],
        owner=world["cerc"],
        code="KH-12",
        title_en="Plan to carry out Directive 12",
        title_ar=ARABIC_TITLE,
        title_vi=VIETNAMESE_TITLE,
    )
    objective = tree.add_objective(
        by=world["root"],
        plan=plan,
        data=tree.ObjectiveInput(
            code="1", title_en="Wider relations", title_ar="توسيع العلاقات", title_vi="Mở rộng quan hệ"
        ),
    )
    reach = make_task(
        plan,
        objective=objective,
        code="1.1",
        title_en="Receive delegations",
        title_ar="استقبال الوفود",
        title_vi="Đón tiếp các đoàn",
    )
    train = make_task(
        plan, objective=objective, code="1.2", title_en="Train cadres", title_vi="Đào tạo cán bộ"
    )
    hanoi_reach, hue_reach = assign_to(reach, world["hanoi"], world["hue"])
    (hanoi_train,) = assign_to(train, world["hanoi"])
    for assignment, percent in ((hanoi_reach, 80), (hanoi_train, 20)):
        report = report_for(assignment, "2023-Q1", submit=True, progress="done", percent=Decimal(percent))
        reporting.approve_report(by=world["coordinator"], report=report)
    report_for(hue_reach, "2023-Q1", submit=True, percent=Decimal(10))  # submitted, not accepted

    def render(kind, language, **extra):
        arguments = {
            "trees": plan_trees([plan], language),
            "completeness": completeness(plan, until=dt.date(2023, 12, 31)),
            "names": {world["cerc"].pk: "CERC", world["hanoi"].pk: "Hà Nội Party Committee"},
            "language": language,
            "generated_at": GENERATED_AT,
            **extra,
        }
        if kind == "pdf":
            return printing.plan_report_pdf(plan, reader_name="Nguyễn Văn A", **arguments)
        return printing.plan_report_xlsx(plan, **arguments)

    return render


def test_the_arabic_report_is_shaped_so_that_ocr_reads_it(printed, pdf_tools, tmp_path):
    pdf = printed("pdf", "ar")
    assert pdf.startswith(b"%PDF")
    text = _ocr_first_page(pdf, tmp_path)
    assert [phrase for phrase in ARABIC_PHRASES if phrase not in text] == []


def test_negative_control_the_same_report_unshaped_is_not_read(printed, pdf_tools, tmp_path, monkeypatch):
    # Without HarfBuzz, fpdf2 draws each letter in its isolated form, left to right: the check
    # above must fail on such a page, or it proves nothing.
    monkeypatch.setattr(printing.ReportPDF, "set_text_shaping", lambda self, *args, **kwargs: None)
    text = _ocr_first_page(printed("pdf", "ar"), tmp_path)
    assert re.search("[\u0627-\u064a]{3}", text), "OCR read no Arabic at all: the control proves nothing"
    assert [phrase for phrase in ARABIC_PHRASES if phrase in text] == []


def test_the_vietnamese_report_keeps_its_diacritics_and_translates_its_labels(printed, pdf_tools, tmp_path):
    text = _pdf_text(printed("pdf", "vi"), tmp_path)
    assert VIETNAMESE_TITLE in text
    assert "1.1 Đón tiếp các đoàn" in text
    assert "Hà Nội Party Committee" in text and "Nguyễn Văn A" in text
    assert "Trang 1/1" in text  # the footer, with the page count filled in


def test_the_english_report_shows_both_figures_and_hides_organisations_the_reader_cannot_see(
    printed, pdf_tools, tmp_path
):
    text = _pdf_text(printed("pdf", "en"), tmp_path)
    lines = {line.split()[0]: line.split() for line in text.splitlines() if line.strip()}
    # Reported: Hà Nội's 80; computed: Huế has no accepted report and counts as 0. Two
    # assignments, one done.
    assert lines["1.1"][-4:] == ["80.0", "40.0", "2", "1"]
    assert "12-CT/TW" in text and "KH-12" in text
    assert "Weighted average of the parts" in text
    assert "an organisation you cannot see" in text
    assert "Hà Nội Party Committee" in text
    assert "Page 1 of 1" in text


def test_the_fonts_are_read_from_the_package():
    pdf = printing.ReportPDF(language="ar", footer_text="")
    files = {Path(font.ttffile) for font in pdf.fonts.values()}
    assert files == {printing.FONTS / name for pair in printing.FONT_FILES.values() for name in pair}
    assert all(path.is_file() for path in files)
    assert (printing.FONTS / "OFL.txt").is_file()


def test_the_workbook_has_figures_as_numbers_and_a_frozen_header(printed):
    workbook = load_workbook(io.BytesIO(printed("xlsx", "en")))
    assert workbook.sheetnames == ["Progress", "Completeness"]
    progress, rates = workbook["Progress"], workbook["Completeness"]
    assert progress.freeze_panes == rates.freeze_panes == "A2"
    assert not progress.sheet_view.rightToLeft
    rows = {row[2]: row for row in progress.iter_rows(min_row=2, values_only=True)}
    # Level, kind, code, title, reported, computed, assignments, then one column per status.
    assert rows["1.1"][:7] == (2, "Task", "1.1", "Receive delegations", 80.0, 40.0, 2)
    assert rows["KH-12"][:7] == (0, "Plan", "KH-12", "Plan to carry out Directive 12", 50.0, 30.0, 3)
    headings = [cell.value for cell in rates[1]]
    assert headings == [
        "Period",
        "Reports due",
        "Organisation",
        "Expected",
        "Actual",
        "On time",
        "Reporting rate %",
        "On-time rate %",
    ]
    by_key = {(row[0], row[2]): row for row in rates.iter_rows(min_row=2, values_only=True)}
    q1 = by_key[("2023-Q1", "All organisations")]
    assert q1[1] == dt.datetime(2023, 4, 15) and q1[3:5] == (3, 3) and q1[6] == 100.0
    assert by_key[("All periods", "an organisation you cannot see")][3] == 4  # Huế: one task, 4 quarters
    assert by_key[("All periods", "All organisations")][3] == 12


def test_the_arabic_workbook_reads_right_to_left(printed):
    workbook = load_workbook(io.BytesIO(printed("xlsx", "ar")))
    assert all(sheet.sheet_view.rightToLeft for sheet in workbook.worksheets)
    titles = [row[3] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert titles[:3] == [ARABIC_TITLE, "توسيع العلاقات", "استقبال الوفود"]
    assert titles[3] == "Train cadres"  # no Arabic title: the English one
