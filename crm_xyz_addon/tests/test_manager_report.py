from contextlib import contextmanager
from datetime import date

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, TransactionCase, tagged

from ..tools import manager_report as calc
from ..tools import manager_report_query as queries
from ..tools.report_indicators import INDICATORS
from .manager_report_common import PERIOD, ManagerReportCommon

KEYS = (
    "contact_completeness_pct",
    "contacts_count",
    "stage_ups",
    "stage_downs",
    "lost_share_pct",
    "retention_pct",
    "completed_orders",
    "revenue",
    "profit",
    "payments",
)
ZERO = dict.fromkeys(KEYS, 0)
# no customers: no percentage can be known
NO_DATA = dict(ZERO, contact_completeness_pct=None, lost_share_pct=None, retention_pct=None)


@tagged("post_install", "-at_install")
class TestManagerReportArithmetic(TransactionCase):
    """The plain functions behind the report."""

    def test_previous_period(self):
        # whole months: the same number of months before
        self.assertEqual(
            calc.previous_period(date(2026, 6, 1), date(2026, 6, 30)),
            (date(2026, 5, 1), date(2026, 5, 31)),
        )
        self.assertEqual(
            calc.previous_period(date(2026, 4, 1), date(2026, 6, 30)),
            (date(2026, 1, 1), date(2026, 3, 31)),
        )
        self.assertEqual(
            calc.previous_period(date(2026, 1, 1), date(2026, 12, 31)),
            (date(2025, 1, 1), date(2025, 12, 31)),
        )
        self.assertEqual(
            calc.previous_period(date(2026, 3, 1), date(2026, 3, 31)),
            (date(2026, 2, 1), date(2026, 2, 28)),
        )
        # any other range: the same number of days before
        self.assertEqual(
            calc.previous_period(date(2026, 4, 10), date(2026, 4, 19)),
            (date(2026, 3, 31), date(2026, 4, 9)),
        )
        self.assertEqual(
            calc.previous_period(date(2026, 4, 10), date(2026, 4, 10)),
            (date(2026, 4, 9), date(2026, 4, 9)),
        )

    def test_presets(self):
        today = date(2026, 11, 27)
        expected = {
            "this_month": (date(2026, 11, 1), date(2026, 11, 30)),
            "last_month": (date(2026, 10, 1), date(2026, 10, 31)),
            "this_quarter": (date(2026, 10, 1), date(2026, 12, 31)),
            "last_quarter": (date(2026, 7, 1), date(2026, 9, 30)),
            "this_year": (date(2026, 1, 1), date(2026, 12, 31)),
            "last_year": (date(2025, 1, 1), date(2025, 12, 31)),
        }
        for preset, period in expected.items():
            self.assertEqual(calc.preset_range(preset, today), period, preset)
        self.assertEqual(
            calc.preset_range("last_month", date(2026, 1, 15)),
            (date(2025, 12, 1), date(2025, 12, 31)),
        )
        self.assertEqual(
            calc.preset_range("last_quarter", date(2026, 2, 1)),
            (date(2025, 10, 1), date(2025, 12, 31)),
        )

    def test_normalise(self):
        self.assertEqual(
            calc.normalise({"a": 50, "b": 100, "c": -10}), {"a": 0.5, "b": 1.0, "c": 0.0}
        )
        self.assertEqual(calc.normalise({"a": 0, "b": -5}), {"a": 0.0, "b": 0.0})
        # less is better: the best gets 1, the worst 0
        self.assertEqual(
            calc.normalise({"a": 0, "b": 10, "c": 40}, higher_is_better=False),
            {"a": 1.0, "b": 0.75, "c": 0.0},
        )
        self.assertEqual(
            calc.normalise({"a": 3, "b": 3}, higher_is_better=False), {"a": 1.0, "b": 1.0}
        )

    def test_scores_and_ranks(self):
        rows = {
            "a": {"revenue": 100, "stage_downs": 0},
            "b": {"revenue": 50, "stage_downs": 4},
            "c": {"revenue": 0, "stage_downs": 2},
        }
        # a: (3 * 1 + 1 * 1) / 4; b: (3 * 0.5 + 0) / 4; c: (0 + 1 * 0.5) / 4
        scores = calc.weighted_scores(
            rows, {"revenue": 3, "stage_downs": 1, "profit": 0}, lower_is_better={"stage_downs"}
        )
        self.assertEqual(scores, {"a": 100.0, "b": 37.5, "c": 12.5})
        self.assertEqual(calc.weighted_scores(rows, {"revenue": 0}), dict.fromkeys(rows))
        self.assertEqual(
            calc.competition_ranks({"a": 80, "b": 70, "c": 70.001, "d": 50}),
            {"a": 1, "b": 2, "c": 2, "d": 4},
        )
        self.assertEqual(calc.ratio_pct(2, 3), 66.67)
        self.assertIsNone(calc.ratio_pct(5, 0))


@tagged("post_install", "-at_install")
class TestManagerReportIndicators(ManagerReportCommon):
    """Every indicator on the dataset of ManagerReportCommon, worked out by hand."""

    def expected_period(self):
        return {
            # customers: Alpha and Beta complete (Beta's email on its contact), Gamma has no
            # country, Delta nothing: 2/4. Contacts: a to-do done on Alpha, one on Beta's
            # opportunity, two meetings (one with Alpha, one with Alpha and Gamma); the
            # meeting-type activity and the activities out of the period do not count.
            # Stages: Alpha up, Gamma lost (1 of 4 customers); Beta's first stage is "new".
            # Retention: at the start Alpha and Gamma (sales in the 12 months up to March
            # 31; Delta was Sally's then), of which Alpha is still a customer at the end: 1/2.
            # Orders: Alpha's 1000 (completed) + Beta's 1000 EUR at 2.0; the cancelled
            # order and the quotation do not count. Profit 400 + 400 EUR / 2.
            # Payments: 1000 on Alpha's invoice - 200 paid back on the credit note
            # + 1000 EUR received at 2.5.
            self.sam: dict(
                contact_completeness_pct=50.0,
                contacts_count=4,
                stage_ups=1,
                stage_downs=1,
                lost_share_pct=25.0,
                retention_pct=50.0,
                completed_orders=1,
                revenue=1500.0,
                profit=600.0,
                payments=1200.0,
            ),
            # Epsilon and Eta complete, Zeta without phone: 2/3. A to-do done on Epsilon's
            # order and the meeting Epsilon attended (not the one declined). Delta went
            # down and Zeta was lost while they were Sally's: 2 down, 1 lost of 3.
            # Retention: Epsilon and Delta at the start, both still customers at the end
            # (Zeta's last sale is older); Delta, handed over to Sam, was kept.
            # Orders: Delta's 400 (credit note made from it: not completed) and Epsilon's
            # 2000 (completed); payments: 2000 - the 300 credit note set against it.
            self.sally: dict(
                contact_completeness_pct=66.67,
                contacts_count=2,
                stage_ups=0,
                stage_downs=2,
                lost_share_pct=33.33,
                retention_pct=100.0,
                completed_orders=1,
                revenue=2400.0,
                profit=800.0,
                payments=1700.0,
            ),
            # Theta: complete, a customer at the start (March 15) and at the end
            self.mia: dict(ZERO, contact_completeness_pct=100.0, retention_pct=100.0),
            self.nick: dict(NO_DATA),
            self.accountman: dict(NO_DATA),
        }

    def expected_previous(self):
        return {
            # no snapshot of the contact data in the first quarter: unknown completeness
            self.sam: dict(
                ZERO, contact_completeness_pct=None, contacts_count=1, retention_pct=100.0
            ),
            # Epsilon went up on March 31; at the start Epsilon, Zeta and Delta (hers in the
            # first quarter), at the end Epsilon and Delta
            self.sally: dict(ZERO, contact_completeness_pct=None, stage_ups=1, retention_pct=66.67),
            # Theta's order of March 15 (paid only in July); Theta was not a customer at
            # the start: no retention rate
            self.mia: dict(
                ZERO,
                contact_completeness_pct=None,
                retention_pct=None,
                revenue=500.0,
                profit=200.0,
            ),
            self.nick: dict(NO_DATA),
            self.accountman: dict(NO_DATA),
        }

    def indicators(self, date_from, date_to, user=None, **kwargs):
        Report = self.env["crm.xyz.manager.report"]
        if user:
            Report = Report.with_user(user)
        return Report.get_indicators(date_from, date_to, **kwargs)

    def test_every_indicator(self):
        result = self.indicators(*PERIOD)
        self.assertEqual(
            {row["user_id"] for row in result},
            {u.id for u in (self.sam, self.sally, self.mia, self.nick, self.accountman)},
        )
        for row in result:
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
            self.assertLessEqual({*KEYS, "won_back"}, set(row))
        by_user = {row["user_id"]: row for row in result}
        for user, expected in self.expected_period().items():
            self.assertEqual({key: by_user[user.id][key] for key in KEYS}, expected, user.name)
        # no early-warning episode in this dataset (see test_manager_report_won_back)
        self.assertEqual({row["won_back"] for row in result}, {0})

    def test_retention_from_invoices(self):
        # when the classification analyses posted invoices, so does the retention rate:
        # only Theta was invoiced in the 12 months before April (on March 16): Sam and
        # Sally had no customers at the start, their retention cannot be known
        self.company.xyz_source = "invoice"
        result = self.indicators(
            "2026-04-01", "2026-06-30", user_ids=[self.sam.id, self.sally.id, self.mia.id]
        )
        self.assertEqual(
            {row["user_id"]: row["retention_pct"] for row in result},
            {self.mia.id: 100.0, self.sally.id: None, self.sam.id: None},
        )

    def test_previous_period_and_change(self):
        report = self.report_as(self.mia)
        self.assertEqual(
            (report.previous_date_from, report.previous_date_to),
            (date(2026, 1, 1), date(2026, 3, 31)),
        )
        current, previous = self.expected_period(), self.expected_previous()
        for user in current:
            line = self.line_of(report, user)
            for key in KEYS:
                now, before = current[user][key], previous[user][key]
                self.assertEqual(line._value(key), now, f"{user.name} {key}")
                self.assertEqual(line._value(key, "prev"), before, f"{user.name} {key}")
                if now is None or before is None:  # a change of an unknown value is unknown
                    self.assertIsNone(line._value(key, "change"), f"{user.name} {key}")
                else:
                    self.assertAlmostEqual(line._value(key, "change"), now - before, places=2)
        # the same figures as the API for the previous period
        by_user = {
            row["user_id"]: row for row in self.indicators(date(2026, 1, 1), date(2026, 3, 31))
        }
        for user, expected in previous.items():
            self.assertEqual({key: by_user[user.id][key] for key in KEYS}, expected, user.name)

    def test_share_of_team_total(self):
        report = self.report_as(self.mia, value_mode="share")
        sam, sally, mia = (self.line_of(report, user) for user in (self.sam, self.sally, self.mia))
        # revenue 1500 and 2400 of 3900; contacts 4 and 2 of 6; payments 1200 and 1700 of 2900
        self.assertEqual(
            (sam._value("revenue_share"), sally._value("revenue_share")), (38.46, 61.54)
        )
        self.assertEqual(
            (sam._value("contacts_count_share"), sally._value("contacts_count_share")),
            (66.67, 33.33),
        )
        self.assertEqual(
            (sam._value("payments_share"), sally._value("payments_share")), (41.38, 58.62)
        )
        self.assertEqual(
            (sam._value("completed_orders_share"), sally._value("completed_orders_share")),
            (50.0, 50.0),
        )
        # Mia had all the revenue of the previous period
        self.assertEqual(
            (mia._value("revenue_share", "prev"), mia._value("revenue_share", "change")),
            (100.0, -100.0),
        )
        self.assertEqual(sam._value("revenue_share", "change"), 38.46)
        self.assertEqual(sum([line._value("revenue_share") for line in report.line_ids]), 100.0)
        # percentages are not shares: the same in both modes
        self.assertEqual(sam._value("retention_pct"), 50.0)
        table = self.layout(report)
        names = [column["name"] for column in table["columns"]]
        self.assertIn("revenue_share", names)
        self.assertNotIn("revenue", names)
        self.assertIn("retention_pct", names)
        self.assertEqual(table["total"][names.index("revenue_share")], 100.0)
        self.assertIsNone(table["total"][names.index("retention_pct")])

    def test_absolute_table(self):
        report = self.report_as(self.mia, show_profit=False, compare=False)
        table = self.layout(report)
        names = [column["name"] for column in table["columns"]]
        # every indicator of the list but the profit, in its order
        self.assertEqual(
            names, ["user_id", *(ind.key for ind in INDICATORS if ind.key != "profit")]
        )
        shown = [
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
            "payments",
        ]
        self.assertEqual([name for name in names if name in shown], shown)
        self.assertEqual(table["columns"][names.index("revenue")]["digits"], 2)
        self.assertEqual(table["columns"][names.index("contacts_count")]["digits"], 0)
        totals = dict(zip(names, table["total"], strict=True))
        self.assertEqual(
            (totals["revenue"], totals["payments"], totals["contacts_count"]), (3900.0, 2900.0, 6)
        )
        self.assertIsNone(totals["contact_completeness_pct"])
        rows = {row[0]: dict(zip(names, row, strict=True)) for row in table["rows"]}
        self.assertEqual(rows[self.sam.name]["revenue"], 1500.0)

    # ----------------------------------------------------------- ranking
    def test_score_and_rank_with_settings_weights(self):
        self.company.write(
            {name: 0 for name in self.weight_fields()}
            | {"xyz_weight_revenue": 2, "xyz_weight_contacts": 2}
        )
        result = self.indicators(*PERIOD)
        scores = {row["user_id"]: (row["score"], row["rank"]) for row in result}
        # Sam: revenue 1500 / 2400 = 0.625, contacts 4 / 4 = 1 -> (2 * 0.625 + 2 * 1) / 4
        self.assertEqual(scores[self.sam.id], (81.25, 1))
        # Sally: revenue 1, contacts 2 / 4 -> (2 + 1) / 4
        self.assertEqual(scores[self.sally.id], (75.0, 2))
        self.assertEqual(scores[self.mia.id], (0.0, 3))
        # no customers and no activity: not ranked
        for user in (self.nick, self.accountman):
            self.assertEqual(scores[user.id], (None, None))
        self.assertEqual([row["rank"] for row in result], [1, 2, 3, None, None], "best first")

    def test_executive_ranking_with_ties(self):
        options = {name: False for name in self.show_fields()}
        report = self.report_as(
            self.mia, report_kind="executive", **dict(options, show_retention=True)
        )
        ranking = [
            (line.user_id, line._value("score"), line._value("rank")) for line in report.line_ids
        ]
        # Sally and Mia kept all their customers, Sam one of two: equal scores share
        # rank 1, the next rank is 3; the two without customers are not ranked, listed after
        self.assertEqual(
            ranking,
            [
                (self.mia, 100.0, 1),
                (self.sally, 100.0, 1),
                (self.sam, 50.0, 3),
                (self.accountman, None, None),
                (self.nick, None, None),
            ],
        )
        # previous period: Sam 100, Sally 66.67, nobody else had customers at the start
        self.assertEqual(self.line_of(report, self.sam)._value("rank", "prev"), 1)
        self.assertEqual(self.line_of(report, self.sally)._value("score", "prev"), 66.67)
        self.assertEqual(self.line_of(report, self.sam)._value("score", "change"), -50.0)

    def test_executive_ranking_less_is_better(self):
        options = {name: False for name in self.show_fields()}
        report = self.report_as(
            self.mia, report_kind="executive", **dict(options, show_lost_share=True)
        )
        scores = {
            line.user_id: (line._value("score"), line._value("rank")) for line in report.line_ids
        }
        # lost 25 % (Sam) and 33.33 % (Sally), Mia none of hers: the best is 0 %, the
        # worst 33.33 %: Sam (33.33 - 25) / 33.33; without customers, no share and no rank
        self.assertEqual(scores[self.mia], (100.0, 1))
        self.assertEqual(scores[self.sam], (24.99, 2))
        self.assertEqual(scores[self.sally], (0.0, 3))
        for user in (self.nick, self.accountman):
            self.assertEqual(scores[user], (None, None))

    # --------------------------------------------------------- bad input
    def test_bad_input(self):
        Report = self.env["crm.xyz.manager.report"].with_user(self.mia)
        count = Report.search_count([])
        with self.assertRaisesText(UserError, "after its end"):
            Report.get_indicators(PERIOD[1], PERIOD[0])
        with self.assertRaisesText(ValidationError, "after its end"):
            self.report_as(self.mia, date_from=PERIOD[1], date_to=PERIOD[0])
        with self.assertRaisesText(ValidationError, "at least one indicator"):
            self.report_as(self.mia, **{name: False for name in self.show_fields()})
        # completed orders weigh nothing in the ranking
        self.company.xyz_weight_completed_orders = 0
        options = dict({name: False for name in self.show_fields()}, show_completed_orders=True)
        with self.assertRaisesText(ValidationError, "weigh zero"):
            self.report_as(self.mia, report_kind="executive", **options)
        self.assertEqual(
            sorted(
                line._value("completed_orders")
                for line in self.report_as(self.mia, **options).line_ids
            ),
            [0, 0, 0, 1, 1],
            "the performance report does not need weights",
        )
        self.assertEqual(Report.search_count([]), count + 1)

    def test_bad_input_on_screen(self):
        form = Form(self.env["crm.xyz.manager.report"].with_user(self.mia))
        form.period = "custom"
        form.date_from, form.date_to = PERIOD
        self.assertEqual(len(form.line_ids), 5)
        self.assertFalse(form.problem)
        form.date_from = date(2026, 7, 1)
        self.assertIn("after its end", form.problem)
        self.assertEqual(len(form.line_ids), 0)
        with self.assertRaises(ValidationError):
            form.save()

    def test_weights_in_settings(self):
        before = self.company._xyz_weights()
        Settings = self.env["res.config.settings"]
        # saving the settings creates the record and executes it in one transaction
        with self.assertRaisesText(ValidationError, "above zero"):
            Settings.create({name: 0 for name in self.weight_fields()}).execute()
        with self.assertRaisesText(ValidationError, "negative"):
            Settings.create({"xyz_weight_revenue": -1}).execute()
        self.assertEqual(self.company._xyz_weights(), before)
        # moving the only weight from one indicator to another is fine
        Settings.create(
            {name: 0 for name in self.weight_fields()} | {"xyz_weight_revenue": 1}
        ).execute()
        Settings.create({"xyz_weight_revenue": 0, "xyz_weight_profit": 3}).execute()
        self.assertEqual(self.company.xyz_weight_profit, 3)
        # weights all zero from elsewhere: the ranking says so
        self.company.xyz_weight_profit = 0
        with self.assertRaisesText(UserError, "weigh zero"):
            self.indicators(*PERIOD)

    # ------------------------------------------------------------ access
    def test_salesman_sees_his_own_row(self):
        team = {row["user_id"]: row for row in self.indicators(*PERIOD, user=self.mia)}
        own = self.indicators(*PERIOD, user=self.sam)
        # his own figures, ranked among the whole team
        self.assertEqual(own, [team[self.sam.id]])
        with self.assertRaises(AccessError):
            self.indicators(*PERIOD, user=self.sam, user_ids=[self.sally.id])
        report = self.report_as(self.sam, value_mode="share")
        self.assertEqual(report.line_ids.user_id, self.sam)
        self.assertEqual(
            report.line_ids._value("revenue_share"), 38.46, "his share of the team total"
        )
        manager_report = self.report_as(self.mia)
        self.assertEqual(len(manager_report.line_ids), 5)
        self.env.invalidate_all()
        with self.assertRaises(AccessError):
            report.with_user(self.sally).line_ids.mapped("figures")
        # a salesman cannot read the lines of the others
        with self.assertRaises(AccessError):
            manager_report.line_ids.with_user(self.sam).mapped("figures")

    def test_portal_user(self):
        with self.assertRaises(AccessError):
            self.indicators(*PERIOD, user=self.portal_user)
        with self.assertRaises(AccessError):
            self.report_as(self.portal_user)

    def test_other_company(self):
        # the second company's team: its manager and accountman, with its own order only
        result = (
            self.env["crm.xyz.manager.report"]
            .with_user(self.manager_2)
            .with_company(self.company_2)
            .get_indicators(*PERIOD)
        )
        by_user = {row["user_id"]: row for row in result}
        self.assertEqual(set(by_user), {self.manager_2.id, self.accountman.id})
        self.assertEqual(by_user[self.accountman.id]["revenue"], 999.0)
        self.assertEqual(by_user[self.accountman.id]["stage_ups"], 0, "Sam's change is not his")
        # a report of the second company is out of reach from the first one
        report = (
            self.env["crm.xyz.manager.report"]
            .with_company(self.company_2)
            .create({"period": "custom", "date_from": PERIOD[0], "date_to": PERIOD[1]})
        )
        self.assertEqual(report.company_id, self.company_2)
        self.assertEqual(len(report.line_ids), 2)
        self.env.invalidate_all()
        with self.assertRaises(AccessError):
            report.with_context(allowed_company_ids=self.company.ids).line_ids.mapped("figures")
        with self.assertRaises(AccessError):
            report.with_user(self.manager_2).mapped("date_from")

    # ----------------------------------------------------------- the list of indicators
    def test_every_indicator_has_its_option_weight_and_columns(self):
        form = self.env.ref("crm_xyz_addon.crm_xyz_manager_report_view_form")
        arch = self.env["crm.xyz.manager.report"].with_user(self.mia).get_view(form.id)["arch"]
        settings_arch = (
            self.env["crm.xyz.classification.settings"].with_user(self.mia).get_view()["arch"]
        )
        sales_settings = self.env["res.config.settings"].get_view()["arch"]
        report = self.report_as(self.mia)
        screen = {column["name"]: column for column in report.indicator_columns}
        files = {column["name"] for column in report._columns()}
        shares = self.report_as(self.mia, value_mode="share")
        share_screen = {column["name"] for column in shares.indicator_columns}
        row = self.indicators(*PERIOD)[0]
        for indicator in INDICATORS:
            with self.subTest(indicator=indicator.key):
                self.assertIn(f'name="{indicator.show_field}"', arch)
                self.assertTrue(report[indicator.show_field], "shown by default")
                self.assertIn(f'name="{indicator.weight_field}"', settings_arch)
                self.assertIn(f'name="{indicator.weight_field}"', sales_settings)
                self.assertEqual(self.company[indicator.weight_field], indicator.default_weight)
                self.assertIn(indicator.key, row)
                self.assertTrue(set(indicator.queries) <= set(queries.FIGURE_QUERIES))
                column = screen[indicator.key]
                self.assertEqual(column["label"], str(indicator.column_label))
                self.assertEqual(column["lower_is_better"], not indicator.higher_is_better)
                self.assertTrue(column["compare"])
                self.assertEqual(column["sum"], indicator.additive)
                for name in (indicator.key, f"{indicator.key}_prev", f"{indicator.key}_change"):
                    self.assertIn(name, files)
                share = f"{indicator.key}_share"
                self.assertEqual(share in share_screen, indicator.additive)
                self.assertEqual(indicator.key in share_screen, not indicator.additive)
                for line in report.line_ids:
                    self.assertEqual(set(line.figures[indicator.key]), {"value", "prev", "change"})
                    self.assertEqual(share in line.figures, indicator.additive)
        # left out: no option shows it
        hidden = self.report_as(self.mia, **{INDICATORS[0].show_field: False})
        self.assertNotIn(INDICATORS[0].key, {c["name"] for c in hidden.indicator_columns})
        self.assertNotIn(INDICATORS[0].key, {c["name"] for c in hidden._columns()})

    # ----------------------------------------------------------- helpers
    @contextmanager
    def assertRaisesText(self, exception, text):
        """assertRaises (which rolls back what the failed call wrote) with a message check."""
        with self.assertRaises(exception) as caught:
            yield
        self.assertIn(text, str(caught.exception))

    def show_fields(self):
        return [indicator.show_field for indicator in INDICATORS]

    def weight_fields(self):
        return [indicator.weight_field for indicator in INDICATORS]
