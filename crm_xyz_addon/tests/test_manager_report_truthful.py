from datetime import date, datetime, time, timedelta

from odoo import Command, fields
from odoo.api import call_kw
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from ..tools.report_indicators import INDICATORS
from .common import XyzCommon
from .manager_report_common import PERIOD, PREVIOUS, ManagerReportCommon

OPTIONS = tuple(indicator.option for indicator in INDICATORS)


@tagged("post_install", "-at_install")
class TestManagerReportBlanks(ManagerReportCommon):
    """A value that cannot be known is blank (None), never 0, and so is its change."""

    def test_unknown_values_are_blank(self):
        report = self.report_as(self.mia)
        nick, sam, mia = (self.line_of(report, user) for user in (self.nick, self.sam, self.mia))
        # no customers: no retention, no lost share, no completeness; his counts are 0
        for key in ("retention_pct", "lost_share_pct", "contact_completeness_pct"):
            self.assertIsNone(nick._value(key), key)
            self.assertIsNone(nick._value(key, "change"), key)
        self.assertEqual(nick._value("revenue"), 0.0)
        # Theta was not a customer at the start of the first quarter: retention unknown then,
        # so its change is unknown too
        self.assertEqual(mia._value("retention_pct"), 100.0)
        self.assertIsNone(mia._value("retention_pct", "prev"))
        self.assertIsNone(mia._value("retention_pct", "change"))
        # no snapshot of the contact data in the first quarter
        self.assertEqual(sam._value("contact_completeness_pct"), 50.0)
        self.assertIsNone(sam._value("contact_completeness_pct", "prev"))
        # the files get None (blank cells, empty PDF cells), the totals only what is known
        table = self.layout(report)
        names = [column["name"] for column in table["columns"]]
        rows = {row[0]: dict(zip(names, row, strict=True)) for row in table["rows"]}
        self.assertIsNone(rows[self.nick.name]["retention_pct"])
        self.assertIsNone(rows[self.sam.name]["contact_completeness_pct_change"])
        self.assertEqual(rows[self.nick.name]["revenue"], 0.0)
        html = (
            self.env["ir.actions.report"]
            .with_user(self.mia)
            ._render_qweb_html("crm_xyz_addon.action_report_crm_xyz_manager_report", report.ids)[0]
            .decode()
        )
        self.assertIn("A blank value cannot be known", html)

    def test_shares_of_an_empty_total_are_blank(self):
        report = self.report_as(self.mia, value_mode="share")
        sam = self.line_of(report, self.sam)
        # Gamma went down (Sam's), Delta and Zeta (Sally's); nobody in the first quarter:
        # no share of nothing
        self.assertEqual(sam._value("stage_downs_share"), 33.33)
        self.assertIsNone(sam._value("stage_downs_share", "prev"))
        self.assertIsNone(sam._value("stage_downs_share", "change"))
        table = self.layout(report)
        names = [column["name"] for column in table["columns"]]
        self.assertIsNone(table["total"][names.index("stage_downs_share_prev")])
        self.assertEqual(table["total"][names.index("stage_downs_share")], 100.0)


@tagged("post_install", "-at_install")
class TestCompletenessSnapshot(ManagerReportCommon):
    """The nightly run writes down the contact data completeness; past periods read it."""

    def snapshots(self, day):
        rows = self.env["crm.xyz.completeness.snapshot"].search(
            [("company_id", "=", self.company.id), ("date", "=", day)]
        )
        return {row.user_id: (row.customer_count, row.complete_count) for row in rows}

    def test_the_run_takes_one_snapshot_a_day(self):
        today = self.env["crm.xyz.run"]._company_today(self.company)
        call_kw(self.env["crm.xyz.run"].with_user(self.mia), "run_analysis", [], {})
        taken = self.snapshots(today)
        self.assertEqual(taken[self.sam], (4, 2))
        self.assertEqual(taken[self.sally], (3, 2))
        self.assertEqual(taken[self.mia], (1, 1))
        self.assertEqual(taken[self.nick], (0, 0), "a salesperson without customers too")
        # again the same day: the same rows, with the figures of now
        self.gamma.country_id = self.country
        call_kw(self.env["crm.xyz.run"].with_user(self.mia), "run_analysis", [], {})
        self.assertEqual(self.snapshots(today)[self.sam], (4, 3))
        self.assertEqual(len(self.snapshots(today)), len(taken))
        # a run of a past date cannot know the contact data of then
        self.run_analysis(date(2026, 5, 31))
        self.assertFalse(self.snapshots(date(2026, 5, 31)))

    def test_past_periods_read_the_snapshot(self):
        Report = self.env["crm.xyz.manager.report"].with_user(self.mia)

        def completeness(date_from, date_to):
            return {
                row["user_id"]: row["contact_completeness_pct"]
                for row in Report.get_indicators(date_from, date_to)
            }

        self.assertIsNone(completeness(*PREVIOUS)[self.sam.id], "no snapshot: unknown")
        self.take_snapshot(date(2026, 3, 15))
        # Delta gets full contact data afterwards: the past keeps its snapshots
        self.delta.write(
            {
                "email": "d@example.com",
                "phone": "4",
                "street": "Rue 5",
                "city": "Mons",
                "country_id": self.country.id,
            }
        )
        self.take_snapshot(date(2026, 7, 1))  # after the period: not its figures
        self.assertEqual(completeness(*PREVIOUS)[self.sam.id], 50.0)
        self.assertEqual(completeness(*PERIOD)[self.sam.id], 50.0)
        # a period ending today: the contact data as it is now (3 of 4)
        today = self.env["crm.xyz.run"]._company_today(self.company)
        self.assertEqual(completeness(today - timedelta(days=6), today)[self.sam.id], 75.0)
        # the screen compares the two snapshots
        line = self.line_of(self.report_as(self.mia), self.sam)
        self.assertEqual(
            (
                line._value("contact_completeness_pct"),
                line._value("contact_completeness_pct", "prev"),
            ),
            (50.0, 50.0),
        )
        self.assertEqual(line._value("contact_completeness_pct", "change"), 0.0)

    def test_who_reads_the_snapshots(self):
        Snapshot = self.env["crm.xyz.completeness.snapshot"]
        all_rows = Snapshot.search([("company_id", "=", self.company.id)])
        self.assertIn(self.sally, all_rows.user_id)
        # a salesman his own rows, a sales manager everyone's of his companies
        own = call_kw(Snapshot.with_user(self.sam), "search_read", [[]], {"fields": ["user_id"]})
        self.assertEqual({row["user_id"][0] for row in own}, {self.sam.id})
        managed = call_kw(Snapshot.with_user(self.mia), "search_count", [[]], {})
        self.assertEqual(managed, len(all_rows))
        self.assertEqual(call_kw(Snapshot.with_user(self.manager_2), "search_count", [[]], {}), 0)
        # written by the server only
        for user in (self.sam, self.mia, self.env.ref("base.user_admin")):
            with self.assertRaises(AccessError):
                call_kw(
                    Snapshot.with_user(user),
                    "create",
                    [{"company_id": self.company.id, "user_id": user.id, "date": "2026-01-01"}],
                    {},
                )
            with self.assertRaises(AccessError):
                call_kw(
                    Snapshot.with_user(user), "write", [all_rows.ids, {"customer_count": 99}], {}
                )
        with self.assertRaises(AccessError):
            call_kw(Snapshot.with_user(self.portal_user), "search_read", [[]], {})


@tagged("post_install", "-at_install")
class TestUnrankedSalespeople(ManagerReportCommon):
    """Salespeople without customers and without activity are not ranked."""

    def test_listed_apart_or_left_out(self):
        report = self.report_as(self.mia, report_kind="executive")
        self.assertEqual(
            [line.user_id for line in report.line_ids][-2:],
            [self.accountman, self.nick],
            "after the ranked ones",
        )
        for user in (self.nick, self.accountman):
            line = self.line_of(report, user)
            self.assertFalse(line.has_data)
            self.assertEqual(line.score_basis, "No data")
            self.assertIsNone(line._value("score"))
            self.assertIsNone(line._value("rank"))
        self.assertEqual(
            sorted(line._value("rank") for line in report.line_ids.filtered("has_data")),
            [1, 2, 3],
            "ranked",
        )
        # left out on request
        report.show_without_data = False
        self.assertEqual(report.line_ids.user_id, self.sam | self.sally | self.mia)
        self.assertEqual(len(self.layout(report)["rows"]), 3)
        # Nick's own report: nothing to show about him
        self.assertFalse(self.report_as(self.nick, show_without_data=False).line_ids)
        self.assertEqual(len(self.report_as(self.nick).line_ids), 1)

    def test_ranked_for_data_in_the_previous_period_only(self):
        # Nick sold in the previous period only: he is ranked, by the integrations'
        # figures (which measure the previous period for him alone) as on the screen
        self.create_order(self.zeta, 100, date(2026, 2, 10), user=self.nick)
        result = {
            row["user_id"]: row
            for row in self.env["crm.xyz.manager.report"]
            .with_user(self.mia)
            .get_indicators(*PERIOD)
        }
        self.assertEqual(result[self.nick.id]["rank"], 4)
        self.assertIsNone(result[self.accountman.id]["rank"])
        report = self.report_as(self.mia, report_kind="executive")
        for user in (self.sam, self.sally, self.mia, self.nick, self.accountman):
            line = self.line_of(report, user)
            self.assertEqual(
                (result[user.id]["score"], result[user.id]["rank"]),
                (line._value("score"), line._value("rank")),
                user.name,
            )

    def test_score_rests_on_the_known_indicators(self):
        # analysed on invoices, Sam and Sally had no customers at the start of the period:
        # their retention cannot be known and their score rests on the revenue alone
        self.company.write(
            {f"xyz_weight_{option}": 0 for option in OPTIONS}
            | {"xyz_weight_retention": 1, "xyz_weight_revenue": 1}
        )
        self.company.xyz_source = "invoice"
        result = {
            row["user_id"]: row
            for row in self.env["crm.xyz.manager.report"]
            .with_user(self.mia)
            .get_indicators(*PERIOD)
        }

        def score(user):
            row = result[user.id]
            return (
                row["score"],
                row["rank"],
                row["score_indicator_count"],
                row["score_indicator_total"],
            )

        # Sally: revenue the best (1); Sam: 1500 / 2400; Mia: retention 1, revenue 0
        self.assertEqual(score(self.sally), (100.0, 1, 1, 2))
        self.assertEqual(score(self.sam), (62.5, 2, 1, 2))
        self.assertEqual(score(self.mia), (50.0, 3, 2, 2))
        self.assertEqual(score(self.nick), (None, None, 0, 2))
        options = {f"show_{option}": False for option in OPTIONS}
        report = self.report_as(
            self.mia,
            report_kind="executive",
            **dict(options, show_retention=True, show_revenue=True),
        )
        self.assertEqual(self.line_of(report, self.sam).score_basis, "1 of 2 indicators")
        self.assertEqual(self.line_of(report, self.mia).score_basis, "2 of 2 indicators")
        names = [column["name"] for column in report._columns()]
        self.assertEqual(names[:4], ["rank", "user_id", "score", "score_basis"])
        screen = [column["name"] for column in report.indicator_columns]
        self.assertEqual(screen[:3], ["rank", "user_id", "score"])


@tagged("post_install", "-at_install")
class TestHeldMeetings(ManagerReportCommon):
    """A meeting is held once it has ended, unless the customer declined it."""

    def event(self, partners, start, stop):
        return self.env["calendar.event"].create(
            {
                "name": "Meeting",
                "start": start,
                "stop": stop,
                "partner_ids": [Command.set(partners.ids)],
                "user_id": self.sam.id,
            }
        )

    def test_ended_and_not_declined(self):
        today = self.env["crm.xyz.run"]._company_today(self.company)
        now = fields.Datetime.now().replace(microsecond=0)
        hour = timedelta(hours=1)

        def contacts():
            (row,) = (
                self.env["crm.xyz.manager.report"]
                .with_user(self.mia)
                .get_indicators(today - timedelta(days=2), today, user_ids=[self.sam.id])
            )
            return row["contacts_count"]

        self.assertEqual(contacts(), 0)
        self.event(self.alpha, now - 3 * hour, now - 2 * hour)  # held
        # Beta's contact attended: held with Beta
        self.event(self.bob, now - 3 * hour, now - 2 * hour)
        self.assertEqual(contacts(), 2)
        # ended, but declined by Beta's contact; still going on; not yet started
        declined = self.event(self.bob, now - 5 * hour, now - 4 * hour)
        declined.attendee_ids.filtered(lambda a: a.partner_id == self.bob).state = "declined"
        self.event(self.alpha, now - hour, now + hour)
        self.event(self.gamma, now + hour, now + 2 * hour)
        self.assertEqual(contacts(), 2)
        # the period the ended meeting belongs to is the one it ended in
        stop = datetime.combine(today - timedelta(days=2), time(0, 30))
        self.event(self.gamma, stop - hour, stop)
        self.assertEqual(contacts(), 3)


@tagged("post_install", "-at_install")
class TestClassificationSettingsAccess(XyzCommon):
    """Sales managers, not only administrators, set the classification and the weights."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Settings = cls.env["crm.xyz.classification.settings"]

    def save_as(self, user, values, company=None):
        Settings = self.Settings.with_user(user)
        if company:
            Settings = Settings.with_company(company)
        record_id = call_kw(Settings, "create", [values], {})
        record_id = record_id[0] if isinstance(record_id, list) else record_id
        return call_kw(Settings, "action_save", [[record_id]], {})

    def test_sales_manager_edits_the_weights(self):
        self.assertFalse(self.manager.has_group("base.group_system"), "not an administrator")
        defaults = call_kw(
            self.Settings.with_user(self.manager),
            "default_get",
            [["xyz_weight_revenue", "xyz_period_count"]],
            {},
        )
        self.assertEqual(
            defaults, {"xyz_weight_revenue": 1.0, "xyz_period_count": 12}, "the company's values"
        )
        # he may not write the company himself
        with self.assertRaises(AccessError):
            call_kw(
                self.company.with_user(self.manager), "write", [self.company.ids, {"name": "X"}], {}
            )
        self.save_as(
            self.manager, {"xyz_weight_revenue": 3.5, "xyz_weight_profit": 0, "xyz_period_count": 6}
        )
        self.assertEqual(
            (
                self.company.xyz_weight_revenue,
                self.company.xyz_weight_profit,
                self.company.xyz_period_count,
            ),
            (3.5, 0.0, 6),
        )
        # the other company's manager changes his own company only
        self.save_as(self.manager_2, {"xyz_weight_revenue": 2}, company=self.company_2)
        self.assertEqual(
            (self.company.xyz_weight_revenue, self.company_2.xyz_weight_revenue), (3.5, 2)
        )

    def test_bad_values_change_nothing(self):
        before = self.company._xyz_weights(), self.company._xyz_settings()
        zero = {f"xyz_weight_{option}": 0 for option in OPTIONS}
        for values, text in (
            (zero, "above zero"),
            ({"xyz_weight_revenue": -1}, "negative"),
            ({"xyz_x_max_cv": 30, "xyz_y_max_cv": 20}, "Y: CV up to (%)"),
            ({"xyz_period_count": 1}, "between 2 and 120"),
        ):
            with self.assertRaises(ValidationError) as caught:
                self.save_as(self.manager, values)
            self.assertIn(text, str(caught.exception))
        self.assertEqual((self.company._xyz_weights(), self.company._xyz_settings()), before)

    def test_salesman_and_portal_cannot(self):
        admin = self.env.ref("base.user_admin")
        record = self.Settings.with_user(self.manager).create({"xyz_weight_revenue": 9})
        for user in (self.salesman, self.portal_user):
            with self.assertRaises(AccessError):
                self.save_as(user, {"xyz_weight_revenue": 9})
            with self.assertRaises(AccessError):
                call_kw(self.Settings.with_user(user), "action_save", [record.ids], {})
            with self.assertRaises(AccessError):
                call_kw(self.Settings.with_user(user), "default_get", [["xyz_weight_revenue"]], {})
        self.assertEqual(self.company.xyz_weight_revenue, 1.0)
        # the administrator is a sales manager too (of his own company)
        self.save_as(admin, {"xyz_weight_revenue": 4})
        self.assertEqual(admin.company_id.xyz_weight_revenue, 4.0)
