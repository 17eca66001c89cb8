import io
import re

import xlsxwriter

from odoo import api, models
from odoo.exceptions import AccessError
from odoo.tools import format_date
from odoo.tools.misc import formatLang

from ..tools.report_indicators import GROUPS, INDICATORS_BY_KEY

MAX_ID = 2**31 - 1  # PostgreSQL's integer: the largest id a record can have
# more numeric columns than this are illegible on one A4 landscape table: the PDF
# then prints one table per indicator group
MAX_PDF_NUMERIC_COLUMNS = 16
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReportCrmXyzManagerReport(models.AbstractModel):
    """The manager performance report as a PDF (QWeb) and as an XLSX workbook.

    Both are built from ``_layout_table()``: the same
    columns, rows and rounded numbers as the screen.
    """

    _name = "report.crm_xyz_addon.report_manager_performance"
    _description = "Manager Performance Report Rendering"

    @api.model
    def _get_report_values(self, docids, data=None):
        ids = [doc_id for doc_id in docids if isinstance(doc_id, int) and 0 < doc_id <= MAX_ID]
        reports = self.env["crm.xyz.manager.report"].browse(ids)
        # a missing report and another user's get the same answer
        if len(ids) != len(docids) or reports.exists()._filtered_access("read") != reports:
            raise AccessError(
                self.env._(
                    "You may only print your own manager performance reports; %(ids)s are not "
                    "among them.",
                    ids=", ".join(map(str, docids)),
                )
            )
        tables = {report.id: self._layout_table(report) for report in reports}
        return {
            "doc_ids": docids,
            "doc_model": "crm.xyz.manager.report",
            "docs": reports,
            "tables": tables,
            "report_sections": {
                report_id: self._pdf_sections(table) for report_id, table in tables.items()
            },
            "format_number": self._format_number,
        }

    @api.model
    def _layout_table(self, report):
        """The report as the screen shows it, for the PDF and the XLSX files.

        Returns a dict: ``title``, ``subtitles`` (lines of text), ``columns``
        (dicts with ``label`` and ``digits``, None for text), ``rows`` and
        ``total`` (lists of values in the order of the columns).
        """
        report.ensure_one()
        columns = report._columns()
        rows = [[self._cell(line, column) for column in columns] for line in report.line_ids]
        total = []
        for index, column in enumerate(columns):
            known = [row[index] for row in rows if row[index] is not None]
            if column["field"] == "user_id":
                total.append(self.env._("Total"))
            elif column["summable"] and known:
                total.append(round(sum(known), column["digits"]))
            else:
                total.append(None)
        return {
            "title": dict(report._fields["report_kind"]._description_selection(self.env))[
                report.report_kind
            ],
            "subtitles": self._subtitles(report),
            "columns": columns,
            "rows": rows,
            "total": total,
        }

    @api.model
    def _cell(self, line, column):
        """The value of a line in a column: a line field (the salesperson's name) or
        one of its figures (None: it cannot be known)."""
        if column["field"] == "user_id":
            return line.user_id.name
        if column["field"]:
            return line[column["field"]] or ""
        return line._value(column["figure"], column["part"])

    @api.model
    def _subtitles(self, report):
        """The lines of text under the title: company, period, comparison, units."""
        report.ensure_one()
        lines = [
            report.company_id.name,
            self.env._(
                "Period: %(start)s - %(end)s",
                start=format_date(self.env, report.date_from),
                end=format_date(self.env, report.date_to),
            ),
        ]
        if report.compare:
            lines.append(
                self.env._(
                    "Compared with: %(start)s - %(end)s",
                    start=format_date(self.env, report.previous_date_from),
                    end=format_date(self.env, report.previous_date_to),
                )
            )
        if report.value_mode == "share":
            lines.append(self.env._("Counts and amounts as a percentage of the team total."))
        else:
            lines.append(
                self.env._("Amounts in %(currency)s, untaxed.", currency=report.currency_id.name)
            )
        if report.report_kind == "executive":
            lines.append(
                self.env._(
                    "Score: the weighted mean of the chosen indicators, each measured against the "
                    "best of the team (0 to 100); equal scores share a rank."
                )
            )
        lines.append(
            self.env._(
                "A blank value cannot be known: a percentage with nothing to divide by, the "
                "contact data of a past period without a snapshot, the rank of a salesperson "
                "without data."
            )
        )
        return lines

    @api.model
    def _pdf_sections(self, table):
        """The tables of the PDF: one, or one per indicator group when the chosen
        columns are too many to stay legible on one page width.

        Each section is a dict: ``title`` (None for the single table), ``columns``
        (indices into the table's columns), ``header`` (one or two rows of
        header cells, see ``_pdf_header``) and ``group_starts``.
        """
        columns = table["columns"]
        numeric = [column for column in columns if column["digits"] is not None]
        if len(numeric) <= MAX_PDF_NUMERIC_COLUMNS:
            indices = list(range(len(columns)))
            return [
                {
                    "title": None,
                    "columns": indices,
                    "header": self._pdf_header(columns, indices),
                    "group_starts": self._pdf_group_starts(columns, indices),
                }
            ]
        leading = [index for index, column in enumerate(columns) if not column["indicator"]]
        sections = []
        for group, title in GROUPS:
            indices = [
                index
                for index, column in enumerate(columns)
                if column["indicator"] and INDICATORS_BY_KEY[column["indicator"]].group == group
            ]
            if indices:
                indices = leading + indices
                sections.append(
                    {
                        "title": self.env._(title),
                        "columns": indices,
                        "header": self._pdf_header(columns, indices),
                        "group_starts": self._pdf_group_starts(columns, indices),
                    }
                )
        return sections

    @api.model
    def _compared_at(self, columns, indices, position):
        """Whether the columns from ``position`` are a figure's value, previous value
        and change (printed under one header)."""
        shown = [columns[index] for index in indices[position : position + 3]]
        return (
            len(shown) == 3
            and shown[0]["figure"] is not None
            and [(column["figure"], column["part"]) for column in shown]
            == [(shown[0]["figure"], part) for part in ("value", "prev", "change")]
        )

    @api.model
    def _pdf_group_starts(self, columns, indices):
        """The column indices where an indicator's value, previous and change begin
        (a rule between groups keeps them apart)."""
        return {
            index
            for position, index in enumerate(indices)
            if self._compared_at(columns, indices, position)
        }

    @api.model
    def _pdf_header(self, columns, indices):
        """The header rows of a PDF table: an indicator's value, previous value and
        change sit under one cell with its name, their own labels in a second row.

        Returns a list of rows, each a list of cells: dicts with ``label``,
        ``colspan``, ``rowspan`` and ``numeric``.
        """
        sub_labels = (self.env._("Current"), self.env._("Previous"), self.env._("Change"))
        top, bottom = [], []
        position = 0
        while position < len(indices):
            column = columns[indices[position]]
            numeric = column["digits"] is not None
            if self._compared_at(columns, indices, position):
                top.append({"label": column["label"], "colspan": 3, "rowspan": 1, "numeric": True})
                bottom += [
                    {
                        "label": label,
                        "colspan": 1,
                        "rowspan": 1,
                        "numeric": True,
                        "group_start": position_in_group == 0,
                    }
                    for position_in_group, label in enumerate(sub_labels)
                ]
                position += 3
            else:
                top.append(
                    {"label": column["label"], "colspan": 1, "rowspan": 2, "numeric": numeric}
                )
                position += 1
        if not bottom:
            for cell in top:
                cell["rowspan"] = 1
            return [top]
        return [top, bottom]

    @api.model
    def _format_number(self, value, digits):
        """A number as the screen shows it, in the language of the user."""
        if value is None or value is False:
            return ""
        if digits is None:
            return value
        return formatLang(self.env, value, digits=digits)

    @api.model
    def _render_xlsx(self, report):
        """The report as an XLSX workbook (bytes)."""
        table = self._layout_table(report)
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        sheet = workbook.add_worksheet(re.sub(r"[\[\]:*?/\\]", " ", table["title"])[:31])
        title_format = workbook.add_format({"bold": True, "font_size": 14})
        header_format = workbook.add_format(
            {"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"}
        )
        total_format = workbook.add_format({"bold": True, "top": 1})
        number_formats, total_number_formats = {}, {}
        for column in table["columns"]:
            digits = column["digits"]
            if digits is not None and digits not in number_formats:
                pattern = "#,##0" + ("." + "0" * digits if digits else "")
                number_formats[digits] = workbook.add_format({"num_format": pattern})
                total_number_formats[digits] = workbook.add_format(
                    {"num_format": pattern, "bold": True, "top": 1}
                )

        sheet.write(0, 0, table["title"], title_format)
        row_index = 1
        for subtitle in table["subtitles"]:
            sheet.write(row_index, 0, subtitle)
            row_index += 1
        row_index += 1
        header_row = row_index
        for col_index, column in enumerate(table["columns"]):
            sheet.write(header_row, col_index, column["label"], header_format)
            sheet.set_column(col_index, col_index, 24 if column["digits"] is None else 14)
        for row in table["rows"]:
            row_index += 1
            for col_index, (column, value) in enumerate(zip(table["columns"], row, strict=True)):
                self._write_xlsx_cell(
                    sheet, row_index, col_index, value, column, number_formats, None
                )
        row_index += 1
        for col_index, (column, value) in enumerate(
            zip(table["columns"], table["total"], strict=True)
        ):
            self._write_xlsx_cell(
                sheet, row_index, col_index, value, column, total_number_formats, total_format
            )
        sheet.freeze_panes(header_row + 1, 1)
        workbook.close()
        return output.getvalue()

    @api.model
    def _write_xlsx_cell(self, sheet, row, col, value, column, number_formats, text_format):
        """One cell: text, a number in the column's format, or blank where the value
        cannot be known (blank, not 0)."""
        if value is None:
            sheet.write_blank(row, col, None, text_format)
        elif column["digits"] is None:
            sheet.write_string(row, col, value or "", text_format)
        else:
            sheet.write_number(row, col, value, number_formats[column["digits"]])
