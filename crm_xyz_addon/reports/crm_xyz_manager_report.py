import io
import re

import xlsxwriter

from odoo import api, models
from odoo.exceptions import AccessError
from odoo.tools.misc import formatLang

MAX_ID = 2**31 - 1  # PostgreSQL's integer: the largest id a record can have
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReportCrmXyzManagerReport(models.AbstractModel):
    """The manager performance report as a PDF (QWeb) and as an XLSX workbook.

    Both are built from ``crm.xyz.manager.report._report_table()``: the same
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
        return {
            "doc_ids": docids,
            "doc_model": "crm.xyz.manager.report",
            "docs": reports,
            "tables": {report.id: report._report_table() for report in reports},
            "format_number": self._format_number,
        }

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
        table = report._report_table()
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
