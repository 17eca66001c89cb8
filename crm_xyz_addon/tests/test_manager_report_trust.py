"""The manager report trusts nothing from the client: its lines are computed by the
server, bad input gets a clear error, and another user's report is out of reach.

Every call goes through ``odoo.api.call_kw``, as the RPC layer makes it.
"""

import io
from contextlib import contextmanager
from datetime import date, timedelta

import openpyxl

from odoo import Command, fields
from odoo.api import call_kw
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, tagged

from ..tools import manager_report as calc
from .manager_report_common import PERIOD, ManagerReportCommon

REPORT = "crm.xyz.manager.report"
LINE = "crm.xyz.manager.report.line"
FORGED = {
    "figures": {"revenue": {"value": 9_999_999.0}, "score": {"value": 100.0}, "rank": {"value": 1}},
    "has_data": True,
}
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TrustCommon(ManagerReportCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.admin.company_ids = [Command.link(cls.company.id)]

    def call(self, user, method, args, model=REPORT, company=None, **kwargs):
        """``model.method(*args, **kwargs)`` as ``user`` through the RPC layer."""
        company = company or (self.company_2 if user == self.manager_2 else self.company)
        context = {"allowed_company_ids": [company.id], **kwargs.pop("context", {})}
        return call_kw(
            self.env[model].with_user(user), method, args, {**kwargs, "context": context}
        )

    def create_report(self, user, **values):
        """A report of the test period created by ``user`` through the RPC layer."""
        vals = {"period": "custom", "date_from": "2026-04-01", "date_to": "2026-06-30", **values}
        return self.env[REPORT].browse(self.call(user, "create", [vals]))

    @contextmanager
    def assertRefused(self, exception, pattern):
        """Odoo's assertRaises, which rolls back what the failed call wrote (as the RPC
        layer does with its transaction), and the message."""
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertRegex(str(caught.exception), pattern)

    def counts(self):
        """How many reports and lines exist, whoever made them."""
        return self.env[REPORT].sudo().search_count([]), self.env[LINE].sudo().search_count([])


@tagged("post_install", "-at_install")
class TestManagerReportTrust(TrustCommon):
    """Server-computed lines, checked callers and clear errors for every bad input."""

    # ------------------------------------------------------------ lines
    def test_nobody_writes_lines(self):
        self.assertTrue(self.admin.has_group("sales_team.group_sale_manager"))
        for user in (self.sam, self.mia, self.admin):
            with self.subTest(user=user.login):
                report = self.create_report(user)
                line = report.sudo().line_ids.filtered(lambda line: line.user_id == self.sam)
                self.assertEqual(line._value("revenue"), 1500.0)
                with self.assertRaises(AccessError):
                    self.call(user, "write", [line.ids, FORGED], model=LINE)
                with self.assertRaises(AccessError):
                    self.call(
                        user,
                        "create",
                        [{"report_id": report.id, "user_id": self.sam.id, **FORGED}],
                        model=LINE,
                    )
                with self.assertRaises(AccessError):
                    self.call(user, "unlink", [line.ids], model=LINE)
                # nor through the report: the lines are not a field anyone writes
                for commands in (
                    [Command.update(line.id, FORGED)],
                    [Command.create({"user_id": self.sam.id, **FORGED})],
                    [Command.delete(line.id)],
                    [Command.clear()],
                ):
                    with self.assertRaisesRegex(UserError, "Salespeople"):
                        self.call(user, "write", [report.ids, {"line_ids": commands}])
                    with self.assertRaisesRegex(UserError, "Salespeople"):
                        self.call(user, "web_save", [report.ids, {"line_ids": commands}, {}])
                before = self.counts()
                with self.assertRaisesRegex(UserError, "Salespeople"):
                    self.create_report(
                        user, line_ids=[Command.create({"user_id": self.sam.id, **FORGED})]
                    )
                self.assertEqual(self.counts(), before, "nothing left behind")
                self.env.invalidate_all()
                self.assertEqual(line.sudo()._value("revenue"), 1500.0)
                # the lines are what the server computes, and they can be read back
                values = self.call(user, "read", [line.ids, ["figures"]], model=LINE)
                self.assertEqual(values[0]["figures"]["revenue"]["value"], 1500.0)
        with self.assertRaises(AccessError):
            self.call(self.portal_user, "create", [{"user_id": self.sam.id, **FORGED}], model=LINE)

    def test_computed_fields_of_the_report_are_refused(self):
        report = self.create_report(self.sam)
        before = report.sudo().read()[0]
        for values in (
            {"previous_date_from": "2000-01-01"},
            {"previous_date_to": "2000-01-31"},
            {"currency_id": self.eur.id},
            {"file_name": "forged"},
            {"problem": ""},
            {"report_kind": "executive"},
            {"company_id": self.company.id},
        ):
            with self.subTest(values=values):
                with self.assertRaisesRegex(UserError, "set by the report itself"):
                    self.call(self.sam, "write", [report.ids, values])
                with self.assertRaisesRegex(UserError, "set by the report itself"):
                    self.call(self.sam, "web_save", [report.ids, values, {}])
        self.env.invalidate_all()
        self.assertEqual(report.sudo().read()[0], before)
        self.assertEqual(self.company.currency_id.name, "USD")
        with self.assertRaisesRegex(UserError, "Previous Period From"):
            self.create_report(self.sam, previous_date_from="2000-01-01")
        # the kind of report is chosen at the creation, the company among one's own
        executive = self.create_report(self.mia, report_kind="executive")
        self.assertEqual(executive.report_kind, "executive")
        with self.assertRaisesRegex(AccessError, str(self.company_2.id)):
            self.create_report(self.sam, company_id=self.company_2.id)
        with self.assertRaisesRegex(AccessError, "'abc'"):
            self.create_report(self.sam, company_id="abc")

    def test_preset_dates_are_computed(self):
        """A preset period has its dates: dates sent with it are the client's, not taken."""
        today = fields.Date.context_today(self.env[REPORT].with_user(self.mia))
        expected = calc.preset_range("last_month", today)
        # (read with sudo: Mia's report, and the test's user is another)
        report = self.create_report(
            self.mia, period="last_month", date_from="2000-01-01", date_to="2009-12-31"
        ).sudo()
        self.assertEqual((report.date_from, report.date_to), expected)
        self.call(self.mia, "write", [report.ids, {"date_from": "2000-01-01"}])
        self.assertEqual((report.date_from, report.date_to), expected)
        # a custom range takes them
        start = expected[0] - timedelta(days=5)
        self.call(self.mia, "write", [report.ids, {"period": "custom", "date_from": start}])
        self.assertEqual((report.date_from, report.date_to), (start, expected[1]))

    def test_actions_check_the_caller(self):
        report = self.create_report(self.sam).sudo()
        self.assertEqual(report.line_ids.user_id, self.sam)
        # a new order of Sam's: refreshing shows it
        self.create_order(self.alpha, 100, date(2026, 5, 1), user=self.sam)
        self.assertTrue(self.call(self.sam, "action_refresh", [report.ids]))
        self.assertEqual(report.line_ids._value("revenue"), 1600.0)
        for method in ("action_refresh", "action_print_pdf", "action_export_xlsx"):
            with self.subTest(method=method):
                with self.assertRaisesRegex(AccessError, "Only salespeople"):
                    self.call(self.portal_user, method, [report.ids])
                # another user's report, whatever his rights
                for user in (self.sally, self.mia, self.admin, self.manager_2):
                    with self.assertRaises(AccessError):
                        self.call(user, method, [report.ids])
        self.assertEqual(report.line_ids._value("revenue"), 1600.0)
        self.assertEqual(
            self.call(self.sam, "action_export_xlsx", [report.ids])["url"],
            f"/crm_xyz_addon/manager_report/{report.id}/xlsx",
        )
        for method, args in (
            ("create", [{"period": "custom"}]),
            ("default_get", [["period"]]),
            ("onchange", [[], {}, [], {"period": {}}]),
            ("get_indicators", ["2026-04-01", "2026-06-30"]),
        ):
            with self.subTest(method=method), self.assertRaisesRegex(AccessError, "Only"):
                self.call(self.portal_user, method, args)

    def test_other_users_reports_are_out_of_reach(self):
        report = self.create_report(self.sam).sudo()
        for user in (self.sally, self.mia, self.admin, self.manager_2, self.portal_user):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.call(user, "read", [report.ids, ["date_from"]])
                with self.assertRaises(AccessError):
                    self.call(user, "read", [report.line_ids.ids, ["figures"]], model=LINE)
                with self.assertRaises(AccessError):
                    self.call(user, "write", [report.ids, {"compare": False}])
                with self.assertRaises(AccessError):
                    self.env["ir.actions.report"].with_user(user)._render_qweb_html(
                        "crm_xyz_addon.action_report_crm_xyz_manager_report", report.ids
                    )
                if user == self.portal_user:
                    with self.assertRaises(AccessError):
                        self.call(user, "search", [[("id", "=", report.id)]])
                else:
                    self.assertEqual(self.call(user, "search", [[("id", "=", report.id)]]), [])
        # a missing report gets the same answer as another user's
        missing = self.env[REPORT].sudo().search([], order="id desc", limit=1).id + 987_654
        errors = []
        for ids in (report.ids, [missing]):
            with self.assertRaises(AccessError) as caught:
                self.env["ir.actions.report"].with_user(self.sally)._render_qweb_html(
                    "crm_xyz_addon.action_report_crm_xyz_manager_report", ids
                )
            errors.append(str(caught.exception).replace(str(ids[0]), "<id>"))
        self.assertEqual(errors[0], errors[1])
        # Sam still reads his own
        values = self.call(self.sam, "read", [report.ids, ["date_from"]])
        self.assertEqual(values[0]["date_from"], PERIOD[0])

    # ------------------------------------------------------------ get_indicators
    def test_bad_dates_for_get_indicators(self):
        cases = [
            (("garbage", "2026-06-30"), "'garbage'"),
            (("2024-13-01", "2026-06-30"), "'2024-13-01'"),
            (("2026-04-01", "2026-02-30"), "'2026-02-30'"),
            (("2026-04-01 00:00:00", "2026-06-30"), "'2026-04-01 00:00:00'"),
            ((20260401, "2026-06-30"), "20260401"),
            (([2026, 4, 1], "2026-06-30"), r"\[2026, 4, 1\]"),
            (({"day": 1}, "2026-06-30"), "'day'"),
            ((True, "2026-06-30"), "True"),
            ((None, "2026-06-30"), "first and the last day"),
            (("2026-04-01", False), "first and the last day"),
            (("0001-01-01", "0001-01-31"), "0001-01-01"),
            (("1899-12-31", "1900-01-31"), "1899-12-31"),
            (("9999-12-01", "9999-12-31"), "9999-12-01"),
            (("2020-01-01", "9999-12-31"), "9999-12-31"),
            (("2026-06-30", "2026-04-01"), "after its end"),
            (("2010-01-01", "2020-01-01"), "longer than 10 years"),
        ]
        for user in (self.sam, self.mia, self.admin):
            for (date_from, date_to), message in cases:
                with (
                    self.subTest(user=user.login, date_from=date_from, date_to=date_to),
                    self.assertRaisesRegex(UserError, message),
                ):
                    self.call(user, "get_indicators", [date_from, date_to])
        # ten years exactly, and dates given as dates, are fine
        rows = self.call(self.mia, "get_indicators", ["2016-07-01", "2026-06-30"])
        self.assertIn(self.sam.id, [row["user_id"] for row in rows])
        rows = self.call(self.sam, "get_indicators", [date(1900, 1, 1), date(1900, 1, 31)])
        self.assertEqual(rows[0]["revenue"], 0.0)
        rows = self.call(self.sam, "get_indicators", [date(9998, 12, 1), date(9998, 12, 31)])
        self.assertEqual([row["user_id"] for row in rows], [self.sam.id])

    def test_bad_user_ids_for_get_indicators(self):
        period = ["2026-04-01", "2026-06-30"]
        for user_ids, message in (
            ("abc", "'abc'"),
            (5, "5"),
            ({"id": 5}, "'id'"),
            ([1.5], "1.5"),
            (["x"], "'x'"),
            ([True], "True"),
            ([None], "None"),
            ([[self.sam.id]], str(self.sam.id)),
        ):
            with self.subTest(user_ids=user_ids), self.assertRaisesRegex(UserError, message):
                self.call(self.mia, "get_indicators", period, user_ids=user_ids)
        missing = self.env["res.users"].sudo().search([], order="id desc", limit=1).id + 1000
        for user_ids in ([missing], [self.manager_2.id], [self.portal_user.id], [2**40]):
            with (
                self.subTest(user_ids=user_ids),
                self.assertRaisesRegex(UserError, f"not salespeople.*{user_ids[0]}"),
            ):
                self.call(self.mia, "get_indicators", period, user_ids=[self.sam.id, *user_ids])
        # the other company's manager asks for Sam: not one of his salespeople
        with self.assertRaisesRegex(UserError, f"XYZ Second Company: {self.sam.id}"):
            self.call(self.manager_2, "get_indicators", period, user_ids=[self.sam.id])
        # nor can he look at the first company
        with self.assertRaises(AccessError):
            self.call(self.manager_2, "get_indicators", period, company=self.company)
        # a salesman asks for himself only
        with self.assertRaises(AccessError):
            self.call(self.sam, "get_indicators", period, user_ids=[self.sally.id])
        with self.assertRaises(AccessError):
            self.call(self.sam, "get_indicators", period, user_ids=[missing])
        rows = self.call(self.sam, "get_indicators", period, user_ids=[self.sam.id])
        self.assertEqual([(row["user_id"], row["revenue"]) for row in rows], [(self.sam.id, 1500)])
        rows = self.call(self.mia, "get_indicators", period, user_ids=[self.sally.id, self.sam.id])
        self.assertEqual({row["user_id"] for row in rows}, {self.sam.id, self.sally.id})
        self.assertEqual(self.call(self.mia, "get_indicators", period, user_ids=[]), [])

    def test_many_unknown_user_ids_are_named_by_a_few_and_counted(self):
        period = ["2026-04-01", "2026-06-30"]
        first = self.env["res.users"].sudo().search([], order="id desc", limit=1).id + 1000
        unknown = list(range(first, first + 300_000))
        with self.assertRaises(UserError) as caught:
            self.call(self.mia, "get_indicators", period, user_ids=[self.sam.id, *unknown])
        message = caught.exception.args[0]
        self.assertLess(len(message), 300)
        self.assertIn("300000 of these users are not salespeople", message)
        self.assertIn(", ".join(map(str, unknown[:5])) + ", …", message)
        self.assertNotIn(str(unknown[5]), message)
        # a salesman asking for them gets the short refusal of anyone else's figures
        with self.assertRaises(AccessError) as caught:
            self.call(self.sam, "get_indicators", period, user_ids=unknown)
        self.assertLess(len(caught.exception.args[0]), 300)

    # ------------------------------------------------------------ the screen
    def test_bad_options_on_the_screen(self):
        report = self.create_report(self.mia).sudo()
        before = self.counts()
        spec = {
            "period": {},
            "value_mode": {},
            "report_kind": {},
            "date_from": {},
            "date_to": {},
            "problem": {},
            "previous_date_from": {},
            "line_ids": {"fields": {"figures": {}}},
        }
        for values, message in (
            ({"period": "bogus"}, "'bogus'.*Custom Range"),
            ({"period": False}, "False"),
            ({"period": 3}, "3"),
            ({"period": ["custom"]}, r"\['custom'\]"),
            ({"value_mode": "bogus"}, "'bogus'"),
            ({"report_kind": "bogus"}, "'bogus'"),
            ({"period": "custom", "date_from": "garbage"}, "'garbage'"),
            ({"period": "custom", "date_to": "2024-13-01"}, "'2024-13-01'"),
            ({"period": "custom", "date_to": 20240101}, "20240101"),
        ):
            with self.subTest(values=values):
                with self.assertRaisesRegex(UserError, message):
                    self.create_report(self.mia, **values)
                if "report_kind" not in values:
                    with self.assertRaisesRegex(UserError, message):
                        self.call(self.mia, "write", [report.ids, values])
                    with self.assertRaisesRegex(UserError, message):
                        self.call(self.mia, "web_save", [report.ids, values, {"period": {}}])
                with self.assertRaisesRegex(UserError, message):
                    self.call(self.mia, "web_save", [[], values, {"period": {}}])
                with self.assertRaisesRegex(UserError, message):
                    self.call(self.mia, "onchange", [[], values, list(values), spec])
                context = {f"default_{name}": value for name, value in values.items()}
                with self.assertRaisesRegex(UserError, message):
                    self.call(self.mia, "onchange", [[], {}, [], spec], context=context)
        for (date_from, date_to), message in (
            (("0001-01-01", "0001-01-31"), "0001-01-01"),
            (("9999-12-01", "9999-12-31"), "9999-12-01"),
            (("2026-06-01", "9999-12-31"), "9999-12-31"),
            (("2026-06-30", "2026-04-01"), "after its end"),
            (("2010-01-01", "2020-06-30"), "longer than 10 years"),
        ):
            values = {"period": "custom", "date_from": date_from, "date_to": date_to}
            with self.subTest(values=values):
                # refused once written: the transaction of the call is rolled back
                with self.assertRefused(ValidationError, message):
                    self.create_report(self.mia, **values)
                with self.assertRefused(ValidationError, message):
                    self.call(self.mia, "write", [report.ids, values])
                with self.assertRefused(ValidationError, message):
                    self.call(self.mia, "web_save", [[], values, {"period": {}}])
                # the form says what is wrong, with no lines and no previous period
                result = self.call(self.mia, "onchange", [[], values, ["date_from"], spec])
                self.assertRegex(result["value"]["problem"], message)
                self.assertFalse(result["value"].get("previous_date_from"))
                self.assertFalse(
                    [command for command in result["value"].get("line_ids", []) if command[0] == 0]
                )
        self.assertEqual(self.counts(), before, "nothing left behind")
        self.env.invalidate_all()
        self.assertEqual((report.period, report.date_from, report.date_to), ("custom", *PERIOD))
        self.assertEqual(len(report.line_ids), 6, "Sam, Sally, Mia, Nick, accountman, admin")
        # the year 1 and the year 9999 in the plain functions: no overflow
        self.assertEqual(calc.previous_period(date(1, 1, 1), date(1, 1, 31)), (None, None))
        self.assertEqual(
            calc.previous_period(date(9999, 12, 1), date(9999, 12, 31)),
            (date(9999, 11, 1), date(9999, 11, 30)),
        )
        self.assertEqual(calc.period_fault(date(1, 1, 1), date(1, 1, 2)), "out_of_range")

    def test_other_company_report(self):
        report = self.create_report(self.manager_2).sudo()
        self.assertEqual(report.company_id, self.company_2)
        self.assertEqual(
            set(report.sudo().line_ids.user_id.ids), {self.manager_2.id, self.accountman.id}
        )
        with self.assertRaisesRegex(UserError, "set by the report itself"):
            self.call(self.manager_2, "write", [report.ids, {"company_id": self.company.id}])
        self.assertEqual(report.company_id, self.company_2)


@tagged("post_install", "-at_install")
class TestManagerReportTrustHttp(TrustCommon, HttpCase):
    """The XLSX route gives one 404 for whatever is not the user's; the PDF route refuses."""

    def assert_not_found(self, url):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 404, url)
        self.assertNotIn("spreadsheetml", response.headers.get("Content-Type", ""))
        self.assertFalse(response.content.startswith(b"PK"), "not an XLSX (zip) file")
        return response

    def test_xlsx_route(self):
        report = self.create_report(self.sam).sudo()
        url = f"/crm_xyz_addon/manager_report/{report.id}/xlsx"
        missing = self.env[REPORT].sudo().search([], order="id desc", limit=1).id + 987_654
        for login in ("xyz_salesman_2", "xyz_manager", "xyz_manager_2", "xyz_portal"):
            with self.subTest(login=login):
                self.authenticate(login, login)
                forbidden = self.assert_not_found(url)
                absent = self.assert_not_found(f"/crm_xyz_addon/manager_report/{missing}/xlsx")
                self.assertEqual(forbidden.content, absent.content, "indistinguishable")
                for bad in ("abc", "-1", "0", "1.5", str(2**40), "1e3"):
                    self.assert_not_found(f"/crm_xyz_addon/manager_report/{bad}/xlsx")
        # Sam gets his own, with the figures the server computed
        with self.assertRaises(AccessError):
            self.call(self.sam, "write", [report.line_ids.ids, FORGED], model=LINE)
        self.authenticate("xyz_salesman", "xyz_salesman")
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], XLSX_MIMETYPE)
        rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
        header = next(row for row in rows if row[0] == "Salesperson")
        sam = next(row for row in rows if row[0] == self.sam.name)
        self.assertEqual(sam[header.index("Revenue")], 1500)
        self.assertNotIn(
            FORGED["figures"]["revenue"]["value"], [cell for row in rows for cell in row]
        )

    def test_pdf_route(self):
        report = self.create_report(self.sam)
        missing = self.env[REPORT].sudo().search([], order="id desc", limit=1).id + 987_654
        route = "/report/%s/crm_xyz_addon.report_manager_performance/%s"
        self.authenticate("xyz_salesman", "xyz_salesman")
        response = self.url_open(route % ("html", report.id))
        self.assertEqual(response.status_code, 200)
        self.assertIn("Sam Salesman", response.text)
        for login in ("xyz_salesman_2", "xyz_manager", "xyz_manager_2"):
            self.authenticate(login, login)
            for report_id in (report.id, missing):
                with self.subTest(login=login, report_id=report_id):
                    # Odoo's report route logs the refusal as a warning
                    with self.assertLogs("odoo.http", "WARNING"):
                        response = self.url_open(route % ("pdf", report_id))
                    # missing and forbidden look the same
                    self.assertEqual(response.status_code, 403)
                    self.assertFalse(response.content.startswith(b"%PDF"))
                    self.assertIn("You may only print your own", response.text)
