"""Customers won back in the manager report: early-warning episodes ended by a sale.

The runs of the analysis open and close the episodes, as the nightly run does.
AS_OF is June 30, 2026; the period is August 2026, compared with July:

    customer          orders before AS_OF   warned (by)        sale that ends it
    Back to Sam       30, 60, 90 days       Aug 4 (Sam)        Aug 6, Sam
    Handed to Sally   30, 60, 90 days       Aug 4 (Sam)        Aug 9, Sally (reassigned)
    Back in July      60, 90, 120 days      Jul 5 (Sam)        Jul 10, Sam
    Still away        30, 60, 90 days       Aug 4 (Sam)        none

Sam wins back one customer in August and one in July; Sally one in August.
"""

from datetime import date, timedelta

from odoo import api
from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..tools.report_indicators import INDICATORS, INDICATORS_BY_KEY
from .common import AS_OF, XyzCommon, won_back_counts

PERIOD = (date(2026, 8, 1), date(2026, 8, 31))
REPORT_XMLID = "crm_xyz_addon.action_report_crm_xyz_manager_report"


@tagged("post_install", "-at_install")
class TestManagerReportWonBack(XyzCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {"xyz_risk_factor": 2.0, "xyz_risk_min_days": 14, "xyz_followup_enabled": True}
        )
        cls.back_to_sam = cls.customer_buying_on("Back to Sam", [30, 60, 90])
        cls.handed_to_sally = cls.customer_buying_on("Handed to Sally", [30, 60, 90])
        cls.back_in_july = cls.customer_buying_on("Back in July", [60, 90, 120])
        cls.still_away = cls.customer_buying_on("Still Away", [30, 60, 90])
        cls.run_analysis(AS_OF - timedelta(days=20))  # nobody at risk yet
        cls.run_analysis(AS_OF + timedelta(days=5))  # Back in July: 65 days, at risk
        cls.create_order(cls.back_in_july, 100, AS_OF + timedelta(days=10))
        cls.run_analysis(AS_OF + timedelta(days=35))  # the others: 65 days, at risk
        cls.create_order(cls.back_to_sam, 100, AS_OF + timedelta(days=37))
        cls.run_analysis(AS_OF + timedelta(days=37))
        # handed over while at risk: the sale is the new salesperson's
        cls.handed_to_sally.user_id = cls.salesman_2
        cls.create_order(cls.handed_to_sally, 100, AS_OF + timedelta(days=40), user=cls.salesman_2)
        cls.run_analysis(AS_OF + timedelta(days=40))

    @classmethod
    def customer_buying_on(cls, name, days_before):
        """A customer of the salesman with one order on each of the days before AS_OF."""
        customer = cls.create_customer(name, user_id=cls.salesman.id)
        for days in days_before:
            cls.create_order(customer, 100, AS_OF - timedelta(days=days))
        return customer

    def indicators(self, user, date_from=PERIOD[0], date_to=PERIOD[1]):
        """get_indicators over RPC as ``user``, by salesperson."""
        env = api.Environment(self.env.cr, user.id, {})
        rows = api.call_kw(
            env["crm.xyz.manager.report.service"],
            "get_indicators",
            [date_from.isoformat(), date_to.isoformat()],
            {},
        )
        return {row["user_id"]: row for row in rows}

    def report_as(self, user, **values):
        return (
            self.env["crm.xyz.manager.report"]
            .with_user(user)
            .create({"period": "custom", "date_from": PERIOD[0], "date_to": PERIOD[1], **values})
        )

    # ------------------------------------------------------------ the figures
    def test_episodes_as_the_runs_left_them(self):
        episodes = self.env["crm.xyz.warning"].search(
            [("company_id", "=", self.company.id)], order="partner_id"
        )
        found = {
            episode.partner_id: (
                episode.user_id,
                episode.end_reason,
                episode.won_back_date,
                episode.won_back_user_id,
            )
            for episode in episodes
        }
        no_user = self.env["res.users"]
        self.assertEqual(
            found,
            {
                self.back_to_sam: (
                    self.salesman,
                    "sale",
                    AS_OF + timedelta(days=37),
                    self.salesman,
                ),
                self.handed_to_sally: (
                    self.salesman,
                    "sale",
                    AS_OF + timedelta(days=40),
                    self.salesman_2,
                ),
                self.back_in_july: (
                    self.salesman,
                    "sale",
                    AS_OF + timedelta(days=10),
                    self.salesman,
                ),
                self.still_away: (self.salesman, False, False, no_user),
            },
        )

    def test_won_back_by_the_salesperson_at_the_sale(self):
        rows = self.indicators(self.manager)
        self.assertEqual(rows[self.salesman.id]["won_back"], 1, "Back to Sam only")
        self.assertEqual(rows[self.salesman_2.id]["won_back"], 1, "the customer handed over")
        self.assertEqual(rows[self.manager.id]["won_back"], 0)
        july = self.indicators(self.manager, date(2026, 7, 1), date(2026, 7, 31))
        self.assertEqual(july[self.salesman.id]["won_back"], 1, "Back in July")
        self.assertEqual(july[self.salesman_2.id]["won_back"], 0)
        # the whole summer: each customer once, where the engine counts it too
        summer = self.indicators(self.manager, date(2026, 7, 1), date(2026, 8, 31))
        engine = won_back_counts(self.env, self.company, date(2026, 7, 1), date(2026, 8, 31))
        self.assertEqual(engine, {self.salesman.id: 2, self.salesman_2.id: 1})
        for user_id, count in engine.items():
            self.assertEqual(summer[user_id]["won_back"], count)

    def test_the_other_keys_of_get_indicators_stay(self):
        row = self.indicators(self.manager)[self.salesman.id]
        # one key per indicator of the list, and the keys integrations read stay
        self.assertEqual(
            set(row),
            {
                "user_id",
                *(indicator.key for indicator in INDICATORS),
                "score",
                "rank",
                "score_indicator_count",
                "score_indicator_total",
            },
        )
        self.assertLessEqual(
            {
                "user_id",
                "contact_completeness_pct",
                "contacts_count",
                "stage_ups",
                "stage_downs",
                "lost_share_pct",
                "retention_pct",
                "won_back",
                "completed_orders",
                "revenue",
                "profit",
                "payments",
                "score",
                "rank",
                "score_indicator_count",
                "score_indicator_total",
            },
            set(row),
        )

    def test_another_company_counts_apart(self):
        rows = self.indicators(self.manager)
        self.assertEqual(rows[self.salesman.id]["won_back"], 1)
        self.assertFalse(
            won_back_counts(self.env, self.company_2, *PERIOD),
            "the episodes are the first company's",
        )

    # ------------------------------------------------------------ the report
    def test_report_line_compares_with_the_previous_period(self):
        report = self.report_as(self.manager)
        sam = report.line_ids.filtered(lambda line: line.user_id == self.salesman)
        sally = report.line_ids.filtered(lambda line: line.user_id == self.salesman_2)
        self.assertEqual(
            (
                sam._value("won_back"),
                sam._value("won_back", "prev"),
                sam._value("won_back", "change"),
                sam._value("won_back_share"),
            ),
            (1, 1, 0, 50.0),
        )
        self.assertEqual(
            (
                sally._value("won_back"),
                sally._value("won_back", "prev"),
                sally._value("won_back", "change"),
            ),
            (1, 0, 1),
        )
        self.assertIn("won_back", self.column_names(report))
        self.assertIn("won_back_prev", self.column_names(report))
        self.assertIn("won_back", self.screen_column_names(report))
        share = self.report_as(self.manager, value_mode="share")
        self.assertIn("won_back_share", self.column_names(share))
        self.assertIn("won_back_share", self.screen_column_names(share))
        without = self.report_as(self.manager, show_won_back=False)
        self.assertNotIn("won_back", self.column_names(without))
        self.assertNotIn("won_back", self.screen_column_names(without))

    def test_pdf_and_xlsx_have_the_column(self):
        report = self.report_as(self.manager)
        won_back = INDICATORS_BY_KEY["won_back"]
        label = self.env._(won_back.label)
        html = (
            self.env["ir.actions.report"]
            .with_user(self.manager)
            ._render_qweb_html(REPORT_XMLID, report.ids)[0]
            .decode()
        )
        self.assertIn(label, html)
        table = self.layout(report)
        names = [column["name"] for column in table["columns"]]
        sam = next(row for row in table["rows"] if row[0] == self.salesman.name)
        self.assertEqual(
            [sam[names.index(name)] for name in ("won_back", "won_back_prev", "won_back_change")],
            [1, 1, 0],
        )
        self.assertEqual(table["total"][names.index("won_back")], 2)
        xlsx = self.env["report.crm_xyz_addon.report_manager_performance"]._render_xlsx(report)
        self.assertTrue(xlsx.startswith(b"PK"), "an XLSX workbook")

    def test_ranking_weight(self):
        self.assertEqual(self.company.xyz_weight_won_back, 1.0)
        self.env.cr.execute(
            """SELECT is_nullable FROM information_schema.columns
                WHERE table_name = 'res_company' AND column_name = 'xyz_weight_won_back'"""
        )
        self.assertEqual(self.env.cr.fetchone(), ("YES",), "never NOT NULL on res_company")
        self.assertEqual(INDICATORS_BY_KEY["won_back"].weight_field, "xyz_weight_won_back")
        # ranked on customers won back alone: Sam and Sally equal, the best
        self.company.write(
            {indicator.weight_field: 0 for indicator in INDICATORS} | {"xyz_weight_won_back": 2}
        )
        rows = self.indicators(self.manager)
        self.assertEqual(
            [(rows[user.id]["score"], rows[user.id]["rank"]) for user in self.users()],
            [(100.0, 1), (100.0, 1)],
        )
        self.assertEqual(rows[self.salesman.id]["score_indicator_total"], 1)

    def test_sales_manager_sets_the_weight(self):
        Settings = self.env["crm.xyz.classification.settings"].with_user(self.manager)
        settings = Settings.create({})
        self.assertEqual(settings.xyz_weight_won_back, 1.0, "the company's weight")
        settings.xyz_weight_won_back = 3
        settings.action_save()
        self.assertEqual(self.company.xyz_weight_won_back, 3.0)
        # saving another weight keeps this one
        Settings.create({"xyz_weight_revenue": 2}).action_save()
        self.assertEqual(self.company.xyz_weight_won_back, 3.0)
        for model in ("res.config.settings", "crm.xyz.classification.settings"):
            arch = self.env[model].get_views([(False, "form")])["views"]["form"]["arch"]
            self.assertIn('name="xyz_weight_won_back"', arch, model)

    # ------------------------------------------------------------ access
    def test_access_unchanged(self):
        own = self.indicators(self.salesman)
        self.assertEqual(list(own), [self.salesman.id], "a salesman sees himself only")
        self.assertEqual(own[self.salesman.id]["won_back"], 1)
        env = api.Environment(self.env.cr, self.salesman.id, {})
        with self.assertRaises(AccessError):
            api.call_kw(
                env["crm.xyz.manager.report.service"],
                "get_indicators",
                [PERIOD[0].isoformat(), PERIOD[1].isoformat()],
                {"user_ids": [self.salesman_2.id]},
            )
        with self.assertRaises(AccessError):
            self.indicators(self.portal_user)
        report = self.report_as(self.salesman)
        self.assertEqual(report.line_ids.user_id, self.salesman)

    def layout(self, report):
        """The report as its PDF and XLSX files lay it out."""
        return self.env["report.crm_xyz_addon.report_manager_performance"]._layout_table(report)

    def column_names(self, report):
        """The columns of the PDF and the XLSX."""
        return [column["name"] for column in report._columns()]

    def screen_column_names(self, report):
        """The columns of the screen."""
        return [column["name"] for column in report.indicator_columns]

    def users(self):
        return self.salesman | self.salesman_2
