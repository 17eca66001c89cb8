from datetime import date, datetime

from odoo import api
from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..tools import manager_report_query as report_queries
from .common import XyzCommon
from .manager_report_common import PERIOD, PREVIOUS, ManagerReportCommon

HISTORY = "crm.xyz.salesperson.history"


@tagged("post_install", "-at_install")
class TestSalespersonHistory(XyzCommon):
    """Every change of a customer's salesperson is written down, and the history is
    backfilled from the salespeople set at install or upgrade."""

    def rows(self, partner):
        return (
            self.env[HISTORY]
            .sudo()
            .search([("partner_id", "=", partner.id)], order="date_from, id")
        )

    def test_changes_are_recorded(self):
        customer = self.create_customer("Kappa", user_id=self.salesman.id)
        self.assertEqual(self.rows(customer).user_id, self.salesman)
        customer.user_id = self.salesman_2
        customer.write({"user_id": self.salesman_2.id, "phone": "1"})  # no change: no row
        customer.user_id = False
        first, second, third = self.rows(customer)
        self.assertEqual(
            (first.user_id, second.user_id, third.user_id),
            (self.salesman, self.salesman_2, self.env["res.users"]),
        )
        # a row lasts until the next one
        self.assertEqual(first.date_to, second.date_from)
        self.assertFalse(third.date_to)
        # a partner that never had a salesperson has no row; a contact's salesperson
        # is not the customer's
        nobody = self.create_customer("Lambda")
        contact = self.env["res.partner"].create(
            {"name": "Carl Kappa", "parent_id": customer.id, "user_id": self.salesman.id}
        )
        self.assertFalse(self.rows(nobody))
        self.assertFalse(self.rows(contact))
        # a contact that becomes a customer of its own brings its salesperson along
        contact.parent_id = False
        self.assertEqual(self.rows(contact).user_id, self.salesman)
        # a deleted customer takes its history along
        nobody.user_id = self.salesman
        nobody.unlink()
        self.assertFalse(self.env[HISTORY].sudo().search([("partner_id", "=", nobody.id)]))

    def ranges(self, partner):
        return [(row.valid_from, row.date_to) for row in self.rows(partner)]

    def test_each_row_keeps_its_range(self):
        """The range of each row (``valid_from``, ``date_to``: what the manager report
        joins on) follows the rows of the customer however they change."""
        customer = self.create_customer("Xi", user_id=self.salesman.id)
        customer.user_id = self.salesman_2
        customer.user_id = self.salesman
        first, second, third = self.rows(customer)
        january, march, april, june = (datetime(2026, month, 1) for month in (1, 3, 4, 6))
        first.sudo().date_from = january
        second.sudo().date_from = march
        third.sudo().date_from = june
        # the first salesperson counts for everything before his row too
        self.assertEqual(self.ranges(customer), [(False, march), (march, june), (june, False)])
        second.sudo().unlink()
        self.assertEqual(self.ranges(customer), [(False, june), (june, False)])
        # merged into the customer: the rows of both in one order
        other = self.create_customer("Omicron", user_id=self.salesman_2.id)
        self.rows(other).sudo().date_from = april
        wizard = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_context(active_model="res.partner", active_ids=(customer | other).ids)
            .create({"dst_partner_id": customer.id})
        )
        wizard.action_merge()
        self.env.invalidate_all()
        self.assertEqual(
            [row.user_id for row in self.rows(customer)],
            [self.salesman, self.salesman_2, self.salesman],
        )
        self.assertEqual(self.ranges(customer), [(False, april), (april, june), (june, False)])

    def test_reassignment_sets_the_ranges_of_the_rows_it_adds(self):
        """A reassignment sets the ranges of the rows it adds and of the rows they
        follow itself: they are those a full renumbering of the rows gives."""
        customers = self.create_customer("Pi", user_id=self.salesman.id) | self.create_customer(
            "Rho"
        )
        customers.user_id = self.salesman_2
        customers.user_id = self.salesman
        customers.user_id = False
        pi, rho = customers
        self.assertEqual(len(self.rows(pi)), 4)
        self.assertEqual(len(self.rows(rho)), 3)  # no row before its first salesperson
        kept = {customer: self.ranges(customer) for customer in customers}
        self.assertEqual(kept[pi][0][0], False)
        self.assertFalse(kept[pi][-1][1])
        self.env[HISTORY].sudo()._refresh_ranges(customers.ids)
        self.env.invalidate_all()
        self.assertEqual({customer: self.ranges(customer) for customer in customers}, kept)

    def test_backfill_at_install_and_upgrade(self):
        self.env.flush_all()
        self.env[HISTORY].init()  # what the database holds is settled first
        before = self.create_customer("Mu", user_id=self.salesman.id)
        changed = self.create_customer("Nu", user_id=self.salesman.id)
        self.env.flush_all()
        # as if the addon had been installed after these were made: no rows for Mu,
        # and Nu's salesperson changed while it was not there
        self.env.cr.execute(
            "DELETE FROM crm_xyz_salesperson_history WHERE partner_id = %s", [before.id]
        )
        self.env.cr.execute(
            "UPDATE res_partner SET user_id = %s WHERE id = %s", [self.salesman_2.id, changed.id]
        )
        self.env.invalidate_all()
        self.env[HISTORY].init()
        count = self.env[HISTORY].sudo().search_count([])
        self.env[HISTORY].init()  # idempotent
        self.env.invalidate_all()
        self.assertEqual(self.env[HISTORY].sudo().search_count([]), count)
        (row,) = self.rows(before)
        self.assertEqual((row.user_id, row.date_from), (self.salesman, before.create_date))
        self.assertEqual(self.rows(changed).user_id, self.salesman | self.salesman_2)
        # every commercial partner with a salesperson has its salesperson's row last
        self.env.cr.execute(
            """
            SELECT COUNT(*)
              FROM res_partner partner
             WHERE partner.id = partner.commercial_partner_id
               AND partner.user_id IS NOT NULL
               AND partner.user_id IS DISTINCT FROM (
                   SELECT history.user_id
                     FROM crm_xyz_salesperson_history history
                    WHERE history.partner_id = partner.id
                    ORDER BY history.date_from DESC, history.id DESC
                    LIMIT 1)
            """
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_who_reads_the_history(self):
        customer = self.create_customer("Xi", user_id=self.salesman.id)
        other = self.create_customer("Omicron", user_id=self.salesman.id)
        other.company_id = self.company_2
        for user in (self.salesman, self.manager):
            History = self.env[HISTORY].with_user(user)
            rows = History.search([("partner_id", "=", customer.id)])
            self.assertEqual(rows.user_id.id, self.salesman.id)
            # a customer of another company is out of reach
            self.assertFalse(History.search([("partner_id", "=", other.id)]))
            row = History.search([("partner_id", "=", customer.id)])
            with self.assertRaises(AccessError):
                row.write({"user_id": self.salesman_2.id})
            with self.assertRaises(AccessError):
                History.create({"partner_id": customer.id, "date_from": datetime(2026, 1, 1)})
            with self.assertRaises(AccessError):
                row.unlink()
        with self.assertRaises(AccessError):
            self.env[HISTORY].with_user(self.portal_user).search([])


@tagged("post_install", "-at_install")
class TestAttributionAtTheTime(ManagerReportCommon):
    """Delta was Sally's until June 1, Sam's since: each period's figures of Delta go to
    the salesperson of the time (see ManagerReportCommon)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        todo = cls.env.ref("mail.mail_activity_data_todo")
        # while Delta was Sally's: a call and a meeting; since it is Sam's: a call
        cls.done_activity(cls.delta, todo, datetime(2026, 5, 10, 9))
        cls.meeting([cls.delta], datetime(2026, 5, 20, 10))
        cls.done_activity(cls.delta, todo, datetime(2026, 6, 10, 9))

    def raw(self, period):
        service = self.env["crm.xyz.manager.report.service"]
        return service._figures([self.sam.id, self.sally.id], *period)

    def test_contacts_split_between_the_two_salespeople(self):
        by_user = {
            row["user_id"]: row["contacts_count"]
            for row in self.env["crm.xyz.manager.report"].get_indicators(*PERIOD)
        }
        # Sam: 4 of his own customers + Delta's June call; Sally: 2 + Delta's May call
        # and meeting
        self.assertEqual((by_user[self.sam.id], by_user[self.sally.id]), (5, 4))

    def test_retention_and_portfolio_of_the_time(self):
        sam, sally = (self.raw(PERIOD)[user.id] for user in (self.sam, self.sally))
        # at the start of the quarter Delta was Sally's customer: hers to keep, which she
        # did; Sam got it as a customer at the end who is neither new nor retained by him
        self.assertEqual(
            (sam["customers_at_start"], sam["retained_customers"], sam["customers_at_end"]),
            (2, 1, 3),
        )
        self.assertEqual((sam["new_customers"], sam["retention_pct"]), (1, 50.0))
        self.assertEqual(
            (sally["customers_at_start"], sally["retained_customers"], sally["customers_at_end"]),
            (2, 2, 1),
        )
        self.assertEqual(sally["retention_pct"], 100.0)
        # the portfolio at the end of the quarter: Delta is Sam's
        self.assertEqual((sam["customers"], sally["customers"]), (4, 3))
        # in the first quarter Delta was Sally's all along: her customer, her retention
        sam, sally = (self.raw(PREVIOUS)[user.id] for user in (self.sam, self.sally))
        self.assertEqual((sam["customers"], sally["customers"]), (3, 4))
        self.assertEqual((sam["customers_at_start"], sally["customers_at_start"]), (2, 3))
        self.assertEqual((sam["retention_pct"], sally["retention_pct"]), (100.0, 66.67))

    def test_lost_customers_for_the_salesperson_of_the_time(self):
        # Delta is lost in May while Sally's: her loss, out of her customers at the end
        self.env["crm.xyz.history"].sudo().create(
            {
                "date": date(2026, 5, 15),
                "company_id": self.company.id,
                "partner_id": self.delta.id,
                "user_id": self.sally.id,
                "old_stage": "one_off",
                "new_stage": "lost",
                "stage_trend": "down",
            }
        )
        sam, sally = (self.raw(PERIOD)[user.id] for user in (self.sam, self.sally))
        self.assertEqual((sam["lost_customers"], sally["lost_customers"]), (1, 2))
        self.assertEqual((sam["lost_share_pct"], sally["lost_share_pct"]), (25.0, 66.67))

    def test_current_period_follows_the_salesperson_of_now(self):
        today = self.env["crm.xyz.run"]._company_today(self.company)
        rows = self.env["crm.xyz.manager.report.service"]._figures(
            [self.sam.id, self.sally.id], today.replace(day=1), today
        )
        self.assertEqual((rows[self.sam.id]["customers"], rows[self.sally.id]["customers"]), (4, 3))


def as_number(value):
    return None if value is None else float(value)


@tagged("post_install", "-at_install")
class TestManagerReportService(ManagerReportCommon):
    """The figures come from the report service, one query method per group of
    indicators, which other addons override."""

    def test_each_query_method_gives_the_figures(self):
        service = self.env["crm.xyz.manager.report.service"]
        team_ids = service._team_users().ids
        params = service._query_params(team_ids, *PERIOD)
        figures = service._figures(team_ids, *PERIOD)
        queries = service._figure_queries()
        self.assertEqual(
            list(queries),
            [
                "portfolio",
                "contacts",
                "stage_changes",
                "retention",
                "orders",
                "payments",
                "won_back",
            ],
        )
        self.env.flush_all()
        for name, (method, columns) in queries.items():
            # a bound method of the service: an override in another addon is the one called
            self.assertEqual(method.__self__._name, service._name, name)
            # each query reads the CTEs the report's statement shares between them
            self.env.cr.execute(
                report_queries.report_statement(params, [(method(params), columns)])
            )
            for user_id, found, *values in self.env.cr.fetchall():
                if found and user_id in figures:
                    self.assertEqual(
                        [as_number(figures[user_id][column]) for column in columns],
                        [as_number(value) for value in values],
                        name,
                    )
        # a past period: its completeness is read from the snapshots, not counted
        self.assertIsNone(figures[self.sam.id]["complete_customers"])
        # the same numbers as get_indicators, the public API
        api_rows = {row["user_id"]: row for row in service.get_indicators(*PERIOD)}
        self.env.cr.execute(
            report_queries.report_statement(
                params, [(service._query_orders(params), report_queries.ORDER_COLUMNS)]
            )
        )
        for user_id, found, _completed, revenue, _profit in self.env.cr.fetchall():
            if found:
                self.assertEqual(api_rows[user_id]["revenue"], float(revenue))
        self.assertEqual(api_rows[self.sam.id]["revenue"], 1500.0)

    def test_the_report_and_the_service_answer_alike_over_rpc(self):
        def call(model, user):
            env = api.Environment(self.env.cr, user.id, {})
            return api.call_kw(env[model], "get_indicators", ["2026-04-01", "2026-06-30"], {})

        for user in (self.mia, self.sam):
            self.assertEqual(
                call("crm.xyz.manager.report", user),
                call("crm.xyz.manager.report.service", user),
            )
        self.assertEqual(
            [row["user_id"] for row in call("crm.xyz.manager.report.service", self.sam)],
            [self.sam.id],
        )
        for model in ("crm.xyz.manager.report", "crm.xyz.manager.report.service"):
            with self.assertRaises(AccessError):
                call(model, self.portal_user)
