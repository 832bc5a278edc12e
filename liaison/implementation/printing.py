"""The printable progress report of a plan: a PDF and an XLSX workbook.

Both show the plan's roll-up (`progress.plan_trees`: reported and computed per cent apart) and
its reporting completeness (`completeness.completeness`), per period and per organisation.

The PDF is laid out by fpdf2 with HarfBuzz shaping (uharfbuzz): Arabic letters take their joined
forms, and each piece of text is ordered by the Unicode bidirectional algorithm, its direction
taken from its first letter (so a code such as 12-CT/TW stays whole in an Arabic report). An
Arabic report is mirrored: columns run from the right and text is aligned to the right. The fonts
(Noto Sans for Latin and Vietnamese, Noto Naskh Arabic; OFL) ship in `fonts/` and are never read
from the system, so every machine prints the same report.

Labels are translated with gettext in the report's language. Organisations missing from `names`
(those the reader cannot see) print as "an organisation you cannot see".
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from django.utils import formats, timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from liaison.implementation.completeness import Completeness, Rates
from liaison.implementation.models import Objective, Plan, ProgressStatus, Task
from liaison.implementation.progress import Node

FONTS = Path(__file__).with_name("fonts")
# Family name → (regular, bold) files in FONTS.
FONT_FILES = {
    "sans": ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    "naskh": ("NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf"),
}
RTL_LANGUAGES = {"ar"}
INDENT_MM = 5
HEADING_FILL = (230, 233, 238)
T = TypeVar("T")
KIND_MODELS = {"plan": Plan, "objective": Objective, "task": Task}


# -- What both formats show ------------------------------------------------------------------------


def _plan_tree(plan: Plan, trees: Sequence[Node]) -> Node:
    return next(tree for tree in trees if tree.kind == "plan" and tree.pk == plan.pk)


def _node_label(node: Node) -> str:
    code = getattr(node.record, "code", "") if node.kind != "plan" else ""
    return f"{code} {node.label}" if code else node.label


def _organisation_name(org_id: int, names: dict[int, str]) -> str:
    return names.get(org_id) or _("an organisation you cannot see")


def _organisation_rows(completeness: Completeness, names: dict[int, str]) -> list[tuple[str, Rates]]:
    """By name; the organisations the reader cannot see last."""
    ids = sorted(completeness.by_organisation, key=lambda pk: (pk not in names, names.get(pk, "").casefold()))
    return [(_organisation_name(pk, names), completeness.by_organisation[pk]) for pk in ids]


def _date(day: dt.date) -> str:
    return formats.date_format(day)


def _percent(value: Decimal | None) -> str:
    return "—" if value is None else formats.number_format(value, 1)


def _progress_headings() -> list[str]:
    return [
        _("Objectives and tasks"),
        _("Reported %"),
        _("Computed %"),
        _("Assignments"),
        str(ProgressStatus.DONE.label),
    ]


def _rates_headings() -> list[str]:
    return [_("Expected"), _("Actual"), _("Reporting rate %"), _("On-time rate %")]


# -- PDF -------------------------------------------------------------------------------------------


class ReportPDF(FPDF):
    """An A4 page with the report's fonts, direction and footer (page x of y)."""

    def __init__(self, *, language: str, footer_text: str) -> None:
        super().__init__(format="A4")
        self.rtl = language in RTL_LANGUAGES
        self.start = "R" if self.rtl else "L"
        self.end = "L" if self.rtl else "R"
        self.footer_text = footer_text
        for family, (regular, bold) in FONT_FILES.items():
            self.add_font(family, "", FONTS / regular)
            self.add_font(family, "B", FONTS / bold)
        main, fallback = ("naskh", "sans") if self.rtl else ("sans", "naskh")
        self.set_font(main, size=9)
        self.set_fallback_fonts([fallback])
        # No fixed direction: each piece of text takes the direction of its first letter.
        self.set_text_shaping(True)
        self.set_auto_page_break(True, margin=16)
        self.set_margins(14, 14, 14)
        self.alias_nb_pages()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(size=7.5)
        self.set_text_color(90)
        page = _("Page %(number)s of %(total)s") % {
            "number": self.page_no(),
            "total": self.str_alias_nb_pages,
        }
        self.cell(self.epw, 5, page, align=self.start)
        self.set_x(self.l_margin)
        self.cell(self.epw, 5, self.footer_text, align=self.end)
        self.set_text_color(0)

    def ordered(self, cells: Sequence[T]) -> list[T]:
        """Cells in the order they are drawn: from the left, so mirrored in right-to-left."""
        return list(reversed(cells)) if self.rtl else list(cells)

    def heading(self, text: str, size: float = 12) -> None:
        self.ln(3)
        self.set_font(style="B", size=size)
        self.multi_cell(self.epw, size * 0.5, text, align=self.start, new_x="LMARGIN", new_y="NEXT")
        self.set_font(style="", size=9)
        self.ln(1)

    def grid(
        self,
        headings: Sequence[str],
        rows: Iterable[tuple[Sequence[str], int, bool]],
        widths: Sequence[float],
    ) -> None:
        """A table: the first column is text (indented by the row's level), the others numbers."""
        aligns = [self.start, *[self.end] * (len(headings) - 1)]
        with self.table(
            width=self.epw,
            col_widths=tuple(self.ordered(widths)),
            text_align=tuple(self.ordered(aligns)),
            headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
            line_height=self.font_size * 1.6,
            padding=(0.6, 1.2),
        ) as table:
            row = table.row()
            for text in self.ordered(headings):
                row.cell(text)
            for cells, level, bold in rows:
                style = FontFace(emphasis="BOLD") if bold else None
                indent = 1.2 + INDENT_MM * level
                first = (0.6, indent, 0.6, 1.2) if self.rtl else (0.6, 1.2, 0.6, indent)
                row = table.row()
                for index, text in enumerate(self.ordered(cells)):
                    is_first = index == (len(cells) - 1 if self.rtl else 0)
                    row.cell(text, style=style, padding=first if is_first else None)


def _write_title(
    pdf: ReportPDF, plan: Plan, *, language: str, generated_at: dt.datetime, reader_name: str
) -> None:
    pdf.heading(plan.title_in(language), size=16)
    pdf.heading(_("Progress report"), size=11)
    document = plan.document
    rows = [(_("Implements"), document.title_in(language)), (_("Document code"), document.code)]
    if plan.code:
        rows.append((_("Plan code"), plan.code))
    rows += [
        (_("Period"), f"{_date(plan.starts_on)} – {_date(plan.ends_on)}"),
        (_("Reporting"), str(plan.get_frequency_display())),
        (_("Roll-up rule"), str(plan.get_rollup_rule_display())),
        (_("Generated"), formats.date_format(timezone.localtime(generated_at), "DATETIME_FORMAT")),
        (_("Generated by"), reader_name),
    ]
    bold = FontFace(emphasis="BOLD")
    with pdf.table(
        width=pdf.epw,
        col_widths=tuple(pdf.ordered([1, 3])),
        text_align=pdf.start,
        borders_layout="NONE",
        first_row_as_headings=False,
        line_height=pdf.font_size * 1.6,
    ) as table:
        for label, value in rows:
            row = table.row()
            for text, style in pdf.ordered([(label, bold), (value, None)]):
                row.cell(text, style=style)


def _write_progress(pdf: ReportPDF, tree: Node) -> None:
    pdf.heading(_("Progress"))
    pdf.set_font(size=8)
    note = _(
        "Reported: what the organisations said, averaged over those that reported. "
        "Computed: by the plan's roll-up rule, an organisation that has not reported counting as 0."
    )
    pdf.multi_cell(pdf.epw, 4, note, align=pdf.start, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(size=9)
    pdf.ln(2)
    rows = [
        (
            [
                _node_label(node),
                _percent(node.reported),
                _percent(node.computed),
                str(node.assignments),
                str(node.done),
            ],
            depth,
            node.kind != "task",
        )
        for depth, node in tree.walk()
    ]
    pdf.grid(_progress_headings(), rows, widths=[7.5, 2.5, 2.5, 2.5, 2])


def _rates_cells(label: str, rates: Rates) -> list[str]:
    return [label, str(rates.expected), str(rates.actual), _percent(rates.rate), _percent(rates.on_time_rate)]


def _write_completeness(pdf: ReportPDF, completeness: Completeness, names: dict[int, str]) -> None:
    total = (_rates_cells(_("Total"), completeness.total), 0, True)
    pdf.heading(_("Reporting completeness by period"))
    by_period = [
        (_rates_cells(period.label, completeness.by_period.get(period.pk, Rates())), 0, False)
        for period in completeness.periods
    ]
    pdf.grid([_("Period"), *_rates_headings()], [*by_period, total], widths=[6, 2, 2, 3, 3])
    pdf.heading(_("Reporting completeness by organisation"))
    by_organisation = [
        (_rates_cells(name, rates), 0, False) for name, rates in _organisation_rows(completeness, names)
    ]
    pdf.grid([_("Organisation"), *_rates_headings()], [*by_organisation, total], widths=[6, 2, 2, 3, 3])


def plan_report_pdf(
    plan: Plan,
    *,
    trees: Sequence[Node],
    completeness: Completeness,
    names: dict[int, str],
    language: str,
    generated_at: dt.datetime,
    reader_name: str,
) -> bytes:
    """The plan's progress report as a PDF in `language`, generated by `reader_name`."""
    with translation.override(language):
        codes = " · ".join(code for code in (plan.document.code, plan.code) if code)
        pdf = ReportPDF(language=language, footer_text=codes)
        pdf.set_title(plan.title_in(language))
        pdf.set_creator("Liaison")
        pdf.set_lang(language)
        pdf.add_page()
        _write_title(pdf, plan, language=language, generated_at=generated_at, reader_name=reader_name)
        _write_progress(pdf, _plan_tree(plan, trees))
        _write_completeness(pdf, completeness, names)
        return bytes(pdf.output())


# -- XLSX ------------------------------------------------------------------------------------------


def _sheet(
    workbook: Workbook, title: str, headings: Sequence[str], widths: Sequence[int], *, rtl: bool
) -> Worksheet:
    sheet: Worksheet = workbook.create_sheet(title)
    sheet.append(list(headings))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.sheet_view.rightToLeft = rtl
    return sheet


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _progress_sheet(workbook: Workbook, plan: Plan, tree: Node, *, rtl: bool) -> None:
    statuses = list(ProgressStatus)
    label, reported, computed, assignments, _done = _progress_headings()
    headings = [_("Level"), _("Kind"), _("Code"), label, reported, computed, assignments]
    sheet = _sheet(
        workbook, _("Progress"), [*headings, *(str(s.label) for s in statuses)], [7, 12, 10, 60], rtl=rtl
    )
    for depth, node in tree.walk():
        sheet.append(
            [
                depth,
                str(capfirst(KIND_MODELS[node.kind]._meta.verbose_name)),
                plan.code if node.kind == "plan" else node.record.code,
                node.label,
                _number(node.reported),
                _number(node.computed),
                node.assignments,
                *(node.by_status.get(s, 0) for s in statuses),
            ]
        )
        row = sheet.max_row
        sheet.cell(row, 4).alignment = Alignment(indent=depth)
        sheet.cell(row, 5).number_format = sheet.cell(row, 6).number_format = "0.0"


def _completeness_sheet(
    workbook: Workbook, completeness: Completeness, names: dict[int, str], *, rtl: bool
) -> None:
    """One row per period (all organisations), per organisation (all periods), and the total."""
    expected, actual, rate, on_time_rate = _rates_headings()
    headings = [
        _("Period"),
        _("Reports due"),
        _("Organisation"),
        expected,
        actual,
        _("On time"),
        rate,
        on_time_rate,
    ]
    sheet = _sheet(workbook, _("Completeness"), headings, [14, 12, 40], rtl=rtl)
    everyone, all_periods = _("All organisations"), _("All periods")
    rows: list[tuple[str, dt.date | None, str, Rates]] = [
        (period.label, period.due_on, everyone, completeness.by_period.get(period.pk, Rates()))
        for period in completeness.periods
    ]
    rows += [(all_periods, None, name, rates) for name, rates in _organisation_rows(completeness, names)]
    rows.append((all_periods, None, everyone, completeness.total))
    for period_label, due_on, name, rates in rows:
        sheet.append(
            [
                period_label,
                due_on,
                name,
                rates.expected,
                rates.actual,
                rates.on_time,
                _number(rates.rate),
                _number(rates.on_time_rate),
            ]
        )
        row = sheet.max_row
        sheet.cell(row, 2).number_format = "yyyy-mm-dd"
        sheet.cell(row, 7).number_format = sheet.cell(row, 8).number_format = "0.0"


def plan_report_xlsx(
    plan: Plan,
    *,
    trees: Sequence[Node],
    completeness: Completeness,
    names: dict[int, str],
    language: str,
    generated_at: dt.datetime,
) -> bytes:
    """The plan's progress and completeness as a workbook in `language`: sheets Progress and
    Completeness, one frozen header row each, figures as numbers."""
    with translation.override(language):
        rtl = language in RTL_LANGUAGES
        workbook = Workbook()
        workbook.remove(workbook.worksheets[0])
        workbook.properties.title = plan.title_in(language)
        workbook.properties.subject = plan.document.code
        workbook.properties.created = timezone.localtime(generated_at).replace(tzinfo=None)
        _progress_sheet(workbook, plan, _plan_tree(plan, trees), rtl=rtl)
        _completeness_sheet(workbook, completeness, names, rtl=rtl)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
