import io

from lxml import html as lxml_html

from odoo.tests import HttpCase, tagged
from odoo.tools.pdf import PdfFileReader

from ..reports.crm_xyz_manager_report import MAX_PDF_NUMERIC_COLUMNS
from ..tools.report_indicators import INDICATORS, INDICATORS_BY_KEY
from .manager_report_common import ManagerReportCommon
from .test_manager_report_ui import REPORT_XMLID, tolerate_unpatched_wkhtmltopdf

SHOW_FIELDS = {indicator.key: indicator.show_field for indicator in INDICATORS}


@tagged("post_install", "-at_install")
class TestManagerReportPaper(ManagerReportCommon, HttpCase):
    """The PDF keeps every chosen indicator and every salesperson legible on A4 landscape."""

    def render(self, report, lang="en_US"):
        html = (
            self.env["ir.actions.report"]
            .with_user(self.mia)
            .with_context(lang=lang)
            ._render_qweb_html(REPORT_XMLID, report.ids)[0]
            .decode()
        )
        return html, lxml_html.fromstring(html)

    def only(self, *keys):
        """Report options showing only the indicators ``keys``."""
        return {field: key in keys for key, field in SHOW_FIELDS.items()}

    def label(self, name, lang="en_US"):
        env = self.env(context=dict(self.env.context, lang=lang))
        if name in INDICATORS_BY_KEY:
            return env._(INDICATORS_BY_KEY[name].label)
        return {"rank": env._("Rank"), "score": env._("Score")}[name]

    def texts(self, elements):
        return [" ".join(element.text_content().split()) for element in elements]

    def assert_everything_printed(self, report, doc, lang="en_US"):
        names = set(self.texts(doc.xpath("//table//tbody/tr/td")))
        for line in report.line_ids:
            self.assertIn(line.user_id.name, names)
        headers = set(self.texts(doc.xpath("//table//thead//th")))
        for key, field in SHOW_FIELDS.items():
            if report[field]:
                self.assertIn(self.label(key, lang), headers)
            else:
                self.assertNotIn(self.label(key, lang), headers)

    def test_landscape_paper(self):
        action = self.env.ref(REPORT_XMLID)
        paper = action.get_paperformat()
        self.assertEqual(paper, self.env.ref("crm_xyz_addon.paperformat_crm_xyz_manager_report"))
        self.assertEqual((paper.format, paper.orientation), ("A4", "Landscape"))
        self.assertGreaterEqual(paper.margin_top, paper.header_spacing, "room for the header")

    def test_grouped_headers_on_one_table(self):
        report = self.report_as(self.mia, **self.only("contacts_count", "revenue", "payments"))
        _html, doc = self.render(report)
        tables = doc.xpath("//table[contains(@class, 'o_crm_xyz_manager_table')]")
        self.assertEqual(len(tables), 1)
        self.assertFalse(doc.xpath("//h3[contains(@class, 'o_crm_xyz_section')]"))
        self.assert_everything_printed(report, doc)
        # the indicator's name spans its value, previous value and change
        header_rows = tables[0].xpath("./thead/tr[not(contains(@class, 'o_crm_xyz_caption'))]")
        self.assertEqual(len(header_rows), 2)
        top, bottom = header_rows
        self.assertEqual(
            [(th.text_content().strip(), th.get("colspan"), th.get("rowspan")) for th in top],
            [
                ("Salesperson", None, "2"),
                (self.label("contacts_count"), "3", None),
                (self.label("revenue"), "3", None),
                (self.label("payments"), "3", None),
            ],
        )
        self.assertEqual(self.texts(bottom), ["Current", "Previous", "Change"] * 3)
        # a rule before each indicator, down to the total
        for row in tables[0].xpath("./tbody/tr"):
            starts = [
                index
                for index, cell in enumerate(row.xpath("./td"))
                if "o_crm_xyz_group_start" in cell.get("class")
            ]
            self.assertEqual(starts, [1, 4, 7])
        # 1 + 9 columns in every row, and the total
        for row in tables[0].xpath("./tbody/tr"):
            self.assertEqual(len(row.xpath("./td")), 10)
        self.assertEqual(tables[0].xpath("./tbody/tr")[-1].xpath("./td")[0].text_content(), "Total")
        # fixed layout: the salesperson's width is set, the numbers share the rest
        self.assertEqual(len(tables[0].xpath("./colgroup/col")), 10)
        # which report and period, repeated with the header on every page
        caption = self.texts(tables[0].xpath("./thead/tr[contains(@class, 'o_crm_xyz_caption')]"))
        self.assertIn("04/01/2026", caption[0])

    def test_without_comparison_one_header_row(self):
        report = self.report_as(self.mia, compare=False)
        _html, doc = self.render(report)
        tables = doc.xpath("//table[contains(@class, 'o_crm_xyz_manager_table')]")
        self.assertEqual(len(tables), 1, "10 numeric columns fit")
        header_rows = tables[0].xpath("./thead/tr[not(contains(@class, 'o_crm_xyz_caption'))]")
        self.assertEqual(len(header_rows), 1)
        self.assertFalse(header_rows[0].xpath("./th[@colspan or @rowspan]"))
        self.assert_everything_printed(report, doc)

    def test_many_columns_split_by_indicator_group(self):
        # every indicator compared: 30 numeric columns, too many for one table
        report = self.report_as(self.mia)
        columns = self.layout(report)["columns"]
        self.assertGreater(
            len([column for column in columns if column["digits"] is not None]),
            MAX_PDF_NUMERIC_COLUMNS,
        )
        _html, doc = self.render(report)
        tables = doc.xpath("//table[contains(@class, 'o_crm_xyz_manager_table')]")
        self.assertEqual(
            self.texts(doc.xpath("//h3[contains(@class, 'o_crm_xyz_section')]")),
            ["Contacts", "Customer Stages", "Sales"],
        )
        self.assertEqual(len(tables), 3)
        self.assert_everything_printed(report, doc)
        for table in tables:
            # every table names the salespeople and fits
            numeric = table.xpath("./tbody/tr[1]/td[contains(@class, 'text-end')]")
            self.assertLessEqual(len(numeric), MAX_PDF_NUMERIC_COLUMNS)
            self.assertEqual(
                len(table.xpath("./tbody/tr")), len(report.line_ids) + 1, "every line and total"
            )
            first_row = table.xpath("./thead/tr[not(contains(@class, 'o_crm_xyz_caption'))]")[0]
            self.assertEqual(first_row.xpath("./th")[0].text_content().strip(), "Salesperson")
        sales_headers = self.texts(tables[2].xpath("./thead/tr[2]/th[@colspan='3']"))
        sales = [indicator.key for indicator in INDICATORS if indicator.group == "sales"]
        self.assertEqual(sales_headers, [self.label(key) for key in sales])
        for key in ("completed_orders", "revenue", "profit", "payments"):
            self.assertIn(self.label(key), sales_headers)

    def test_executive_leads_with_the_ranking(self):
        report = self.report_as(self.mia, report_kind="executive")
        _html, doc = self.render(report)
        tables = doc.xpath("//table[contains(@class, 'o_crm_xyz_manager_table')]")
        self.assertEqual(len(tables), 1)
        header = self.texts(tables[0].xpath("./thead/tr[2]/th"))
        self.assertEqual(header[:3], [self.label("rank"), "Salesperson", self.label("score")])
        self.assert_everything_printed(report, doc)
        # best first: the rank column of the body counts up
        ranks = [int(text) for text in self.texts(tables[0].xpath("./tbody/tr/td[1]")) if text]
        self.assertEqual(ranks, sorted(ranks))
        self.assertTrue(ranks)

    def test_pdf_in_english_and_russian(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"].search([("name", "=", "crm_xyz_addon")])._update_translations(
            "ru_RU"
        )
        for lang in ("en_US", "ru_RU"):
            for kind, values in (
                ("performance", {}),
                ("performance", self.only("contacts_count", "revenue", "profit", "payments")),
                ("executive", {}),
            ):
                with self.subTest(lang=lang, kind=kind):
                    report = self.report_as(
                        self.mia.with_context(lang=lang), report_kind=kind, **values
                    )
                    _html, doc = self.render(report, lang=lang)
                    self.assert_everything_printed(report, doc, lang)
                    with tolerate_unpatched_wkhtmltopdf():
                        pdf, _kind = (
                            self.env["ir.actions.report"]
                            .with_user(self.mia)
                            .with_context(lang=lang, force_report_rendering=True)
                            ._render_qweb_pdf(REPORT_XMLID, report.ids)
                        )
                    pages = PdfFileReader(io.BytesIO(pdf)).pages
                    box = pages[0].mediabox
                    self.assertGreater(box.width, box.height, "landscape")
