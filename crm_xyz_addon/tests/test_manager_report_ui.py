import io
import logging
import re
from contextlib import contextmanager

import openpyxl

from odoo.tests import HttpCase, tagged
from odoo.tools.pdf import PdfFileReader

from .manager_report_common import PERIOD, ManagerReportCommon

REPORT_XMLID = "crm_xyz_addon.action_report_crm_xyz_manager_report"
# notices of wkhtmltopdf builds without the patched Qt, which Odoo logs as warnings
UNPATCHED_QT_NOTICES = re.compile(
    r"The switch --[\w-]+, is not support using unpatched qt, and will be ignored\."
    r"|QStandardPaths: XDG_RUNTIME_DIR not set, defaulting to '[^']*'"
)


@contextmanager
def tolerate_unpatched_wkhtmltopdf():
    """Drop the warnings made only of the notices of an unpatched wkhtmltopdf; keep any other."""
    logger = logging.getLogger("odoo.addons.base.models.ir_actions_report")

    def keep(record):
        message = record.getMessage()
        if record.levelno != logging.WARNING or not message.startswith("wkhtmltopdf: "):
            return True
        return bool(UNPATCHED_QT_NOTICES.sub("", message.removeprefix("wkhtmltopdf: ")).strip())

    logger.addFilter(keep)
    try:
        yield
    finally:
        logger.removeFilter(keep)


@tagged("post_install", "-at_install")
class TestManagerReportFiles(ManagerReportCommon, HttpCase):
    """The PDF and the XLSX files show the numbers of the screen; the browser tour."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mia.tour_enabled = False

    def test_pdf(self):
        report = self.report_as(self.mia, show_profit=False)
        html = (
            self.env["ir.actions.report"]
            .with_user(self.mia)
            ._render_qweb_html(REPORT_XMLID, report.ids)[0]
            .decode()
        )
        for text in (
            "Manager Performance",
            "Sam Salesman",
            "1,500.00",
            "2,400.00",
            "3,900.00",
            "66.67",
            "Compared with",
        ):
            self.assertIn(text, html)
        self.assertNotIn("Profit", html)
        # the real thing, through wkhtmltopdf (its text may be drawn as outlines: the
        # numbers are checked on the HTML it converts, above)
        with tolerate_unpatched_wkhtmltopdf():
            pdf, kind = (
                self.env["ir.actions.report"]
                .with_user(self.mia)
                .with_context(force_report_rendering=True)
                ._render_qweb_pdf(REPORT_XMLID, report.ids)
            )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        pages = PdfFileReader(io.BytesIO(pdf)).pages
        self.assertEqual(len(pages), 1)
        self.assertGreater(len(pages[0].get_contents().get_data()), 10_000, "something is drawn")

    def test_executive_pdf_in_the_user_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.mia.lang = "fr_FR"
        report = self.report_as(self.mia, report_kind="executive", value_mode="share")
        html = (
            self.env["ir.actions.report"]
            .with_user(self.mia)
            .with_context(lang="fr_FR")
            ._render_qweb_html(REPORT_XMLID, report.ids)[0]
            .decode()
        )
        # French dates and numbers: 38,46 % of the revenue for Sam
        self.assertIn("01/04/2026", html)
        self.assertIn("38,46", html)
        self.assertIn("Score", html)

    def test_xlsx_matches_the_screen(self):
        report = self.report_as(self.mia)
        self.authenticate("xyz_manager", "xyz_manager")
        response = self.url_open(f"/crm_xyz_addon/manager_report/{report.id}/xlsx")
        self.assertEqual(response.status_code, 200)
        self.assertIn("spreadsheetml", response.headers["Content-Type"])
        self.assertIn(
            "Manager%20Performance%202026-04-01%20-%202026-06-30.xlsx",
            response.headers["Content-Disposition"],
        )
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        header_index = next(i for i, row in enumerate(rows) if row[0] == "Salesperson")
        header = rows[header_index]
        lines = {line.user_id.name: line for line in report.line_ids}
        columns = report._columns()
        self.assertEqual(len(header), len(columns))
        body = rows[header_index + 1 : header_index + 1 + len(lines)]
        self.assertEqual({row[0] for row in body}, set(lines))
        for row in body:
            line = lines[row[0]]
            for column, value in zip(columns[1:], row[1:], strict=True):
                # a value that cannot be known is a blank cell, not 0
                self.assertEqual(
                    value, line._value(column["figure"], column["part"]), f"{row[0]} {column}"
                )
        sam = next(row for row in body if row[0] == self.sam.name)
        self.assertEqual(sam[header.index("Revenue")], 1500)
        self.assertEqual(sam[header.index("Payments")], 1200)
        self.assertEqual(sam[header.index("Retention (%)")], 50.0)
        total = rows[header_index + 1 + len(lines)]
        self.assertEqual((total[0], total[header.index("Revenue")]), ("Total", 3900))
        self.assertIsNone(total[header.index("Retention (%)")])
        nick = next(row for row in body if row[0] == self.nick.name)
        self.assertIsNone(nick[header.index("Retention (%)")], "no customers: blank, not 0")
        self.assertEqual(nick[header.index("Revenue")], 0)

    def test_xlsx_in_the_user_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.mia.lang = "fr_FR"
        report = self.report_as(self.mia)
        self.authenticate("xyz_manager", "xyz_manager")
        response = self.url_open(f"/crm_xyz_addon/manager_report/{report.id}/xlsx")
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        texts = [
            cell
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if isinstance(cell, str)
        ]
        self.assertTrue(
            any("01/04/2026" in text and "30/06/2026" in text for text in texts), texts[:6]
        )

    def test_tour(self):
        self.start_tour(
            "/odoo/action-crm_xyz_addon.crm_xyz_manager_report_action",
            "crm_xyz_manager_report_tour",
            login="xyz_manager",
        )
        # printing saved the report as the tour left it
        report = (
            self.env["crm.xyz.manager.report"]
            .with_user(self.mia)
            .search([("create_uid", "=", self.mia.id)], order="id desc", limit=1)
        )
        self.assertEqual((report.period, report.date_from, report.date_to), ("custom", *PERIOD))
        self.assertEqual(
            (report.value_mode, report.show_revenue, report.show_contacts), ("share", False, True)
        )
        self.assertEqual(len(report.line_ids), 5)


@tagged("post_install", "-at_install")
class TestManagerReportRussianUi(ManagerReportCommon, HttpCase):
    """The screens in Russian on a 1440 px wide screen: every header and figure whole,
    the indicators changed, the report printed."""

    browser_size = "1440x900"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("ru_RU")
        cls.env["ir.module.module"].search([("name", "=", "crm_xyz_addon")])._update_translations(
            "ru_RU"
        )
        cls.mia.write({"lang": "ru_RU", "tour_enabled": False})

    def test_performance_report_in_russian(self):
        with tolerate_unpatched_wkhtmltopdf():
            self.start_tour(
                "/odoo/action-crm_xyz_addon.crm_xyz_manager_report_action",
                "crm_xyz_manager_report_ru_tour",
                login="xyz_manager",
            )
        # printing saved the report as the tour left it
        report = (
            self.env["crm.xyz.manager.report"]
            .with_user(self.mia)
            .search([("create_uid", "=", self.mia.id)], order="id desc", limit=1)
        )
        self.assertEqual((report.period, report.date_from, report.date_to), ("custom", *PERIOD))
        self.assertEqual(
            (report.show_revenue, report.show_stage_downs, report.show_payments),
            (False, False, True),
        )
        self.assertEqual(len(report.line_ids), 5)

    def test_executive_report_in_russian(self):
        with tolerate_unpatched_wkhtmltopdf():
            self.start_tour(
                "/odoo/action-crm_xyz_addon.crm_xyz_executive_report_action",
                "crm_xyz_executive_report_ru_tour",
                login="xyz_manager",
            )
        # Refresh saved nothing; Print saved the report as the screen showed it
        reports = (
            self.env["crm.xyz.manager.report"].sudo().search([("create_uid", "=", self.mia.id)])
        )
        self.assertEqual(len(reports), 1)
        self.assertEqual(
            (reports.report_kind, reports.period, reports.date_from, reports.date_to),
            ("executive", "custom", *PERIOD),
        )
        self.assertEqual(len(reports.line_ids), 5)
