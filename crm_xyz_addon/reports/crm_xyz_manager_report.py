import io
import re

import xlsxwriter

from odoo import api, models
from odoo.exceptions import AccessError
from odoo.tools import format_date
from odoo.tools.misc import formatLang

from ..tools import manager_report as calc

MAX_ID = 2**31 - 1  # PostgreSQL's integer: the largest id a record can have
# more numeric columns than this are illegible on one A4 landscape table: the PDF
# then prints one table per indicator group
MAX_PDF_NUMERIC_COLUMNS = 16
# the indicator groups of the split PDF, in the order of the screen
PDF_INDICATOR_GROUPS = (
    ("contacts", ("contact_completeness_pct", "contacts_count")),
    ("stages", ("stage_ups", "stage_downs", "lost_share_pct", "retention_pct", "won_back")),
    ("sales", ("completed_orders", "revenue", "profit", "payments")),
)
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
        Line = self.env["crm.xyz.manager.report.line"]
        names = report._column_fields()
        currency_digits = report.currency_id.decimal_places
        columns = []
        for name in names:
            field = Line._fields[name]
            digits = None
            if field.type == "integer":
                digits = 0
            elif field.type == "monetary":
                digits = currency_digits
            elif field.type == "float":
                digits = field.get_digits(self.env)[1]
            columns.append(
                {"name": name, "label": field._description_string(self.env), "digits": digits}
            )
        rows = [
            [
                line.user_id.name if name == "user_id" else line._value_or_none(name)
                for name in names
            ]
            for line in report.line_ids
        ]
        summable = {name for name in names if self._is_summable(name)}
        total = []
        for index, column in enumerate(columns):
            known = [row[index] for row in rows if row[index] is not None]
            if column["name"] == "user_id":
                total.append(self.env._("Total"))
            elif column["name"] in summable and known:
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
    def _is_summable(self, name):
        """Counts, amounts and shares add up over the salespeople; percentages do not."""
        base = name.removesuffix("_prev").removesuffix("_change").removesuffix("_share")
        indicator = calc.INDICATORS_BY_KEY.get(base)
        return bool(indicator and indicator.additive)

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
        group_of = {key: group for group, keys in PDF_INDICATOR_GROUPS for key in keys}
        leading = [index for index, column in enumerate(columns) if not self._indicator_of(column)]
        titles = self._pdf_group_titles()
        sections = []
        for group, _keys in PDF_INDICATOR_GROUPS:
            indices = [
                index
                for index, column in enumerate(columns)
                if group_of.get(self._indicator_of(column)) == group
            ]
            if indices:
                indices = leading + indices
                sections.append(
                    {
                        "title": titles[group],
                        "columns": indices,
                        "header": self._pdf_header(columns, indices),
                        "group_starts": self._pdf_group_starts(columns, indices),
                    }
                )
        return sections

    @api.model
    def _pdf_group_titles(self):
        return {
            "contacts": self.env._("Contacts"),
            "stages": self.env._("Customer Stages"),
            "sales": self.env._("Sales"),
        }

    @api.model
    def _indicator_of(self, column):
        """The key of the indicator a column shows (value, share, previous or change), or None."""
        base = column["name"].removesuffix("_prev").removesuffix("_change")
        base = base.removesuffix("_share")
        return base if base in calc.INDICATORS_BY_KEY else None

    @api.model
    def _pdf_group_starts(self, columns, indices):
        """The column indices where an indicator's value, previous and change begin
        (a rule between groups keeps them apart)."""
        names = [columns[index]["name"] for index in indices]
        return {
            index
            for position, index in enumerate(indices)
            if names[position + 1 : position + 3]
            == [f"{names[position]}_prev", f"{names[position]}_change"]
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
            names = [columns[index]["name"] for index in indices[position : position + 3]]
            numeric = column["digits"] is not None
            if names == [column["name"], f"{column['name']}_prev", f"{column['name']}_change"]:
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
