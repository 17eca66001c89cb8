from datetime import date, datetime, timedelta

import psycopg2.errors

from odoo import fields
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from ..tools import manager_report_query as queries
from ..tools import report_summaries
from .common import XyzCommon

DAY = date(2024, 3, 14)
# the periods compared: around the documents of the tests, and a year up to today
PERIODS = (
    (date(2024, 1, 1), date(2024, 3, 31)),
    (date(2024, 3, 14), date(2024, 3, 14)),
    (date(2024, 2, 1), date(2024, 6, 30)),
)
# what may have been written before the refresh: pushed back a day
AGED = (
    ("sale_order", "write_date"),
    ("account_move", "write_date"),
    ("res_partner", "write_date"),
    ("crm_xyz_received_payment", "recorded_at"),
    (report_summaries.CHANGE_TABLE, "changed_at"),
)


class SummariesCommon(XyzCommon):
    """Helpers: a refresh of the summaries as the nightly job makes it, and the check
    that the report reads through them what it reads from the documents alone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.create_customer("XYZ Days Customer", email="days@example.com")
        cls.contact = cls.env["res.partner"].create(
            {"name": "Dora Days", "parent_id": cls.customer.id}
        )
        cls.other_customer = cls.create_customer("XYZ Days Other")
        cls.env["res.partner"].browse(
            [cls.customer.id, cls.other_customer.id]
        ).user_id = cls.salesman

    def refresh(self):
        """The nightly refresh, as if everything written so far was written the day
        before it: what the test writes next comes after its snapshot."""
        self.env.flush_all()
        for table, column in AGED:
            self.env.cr.execute(
                SQL(
                    "UPDATE %s SET %s = %s - interval '1 day' WHERE %s IS NOT NULL",
                    SQL.identifier(table),
                    SQL.identifier(column),
                    SQL.identifier(column),
                    SQL.identifier(column),
                )
            )
        self.env.invalidate_all()
        self.assertTrue(self.env["crm.xyz.report.summary"]._refresh(self.env.cr.now()))

    def params(self, company, date_from, date_to, direct=False, source="order"):
        service = self.env["crm.xyz.manager.report.service"].with_company(company)
        team = service._team_users().ids
        params = {**service._query_params(team, date_from, date_to), "source": source}
        if direct:
            params.update(report_summaries.read_params(company.id, params["tz"], params["digits"]))
        return params

    def views(self, params):
        """What the report reads through the summaries (or from the documents alone)."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            SQL(
                "WITH %s SELECT * FROM report_customers ORDER BY partner_id",
                queries.shared_ctes(params),
            )
        )
        customers = cr.fetchall()
        cr.execute(report_summaries.customer_windows(params))
        windows = sorted(cr.fetchall())
        cr.execute(
            SQL(
                """SELECT sale.user_id, SUM(sale.completed), SUM(sale.revenue), SUM(sale.profit)
                     FROM (%s) AS sale(user_id, completed, revenue, profit)
                    GROUP BY 1
                   -- what the report reads: a salesperson without a sum is at 0
                   HAVING SUM(sale.completed) <> 0 OR SUM(sale.revenue) <> 0
                       OR SUM(sale.profit) <> 0
                    ORDER BY 1""",
                report_summaries.salesperson_orders(params),
            )
        )
        orders = cr.fetchall()
        cr.execute(
            SQL(
                """SELECT payment.user_id, SUM(payment.amount)
                     FROM (%s) AS payment(user_id, amount)
                    GROUP BY 1 HAVING SUM(payment.amount) <> 0 ORDER BY 1""",
                report_summaries.salesperson_payments(params),
            )
        )
        payments = cr.fetchall()
        return {"customers": customers, "windows": windows, "orders": orders, "payments": payments}

    def assertReadAsDocuments(self, companies=None, sources=("order", "invoice")):
        """For each company, period and source: the report's figures through the
        summaries are those of the documents alone. Returns the views of the first
        company and period, source 'order', for the test's own checks."""
        first = None
        for company in companies or (self.company, self.company_2):
            params = self.params(company, *PERIODS[0])
            self.assertFalse(params["all_direct"], "the summaries are read")
            for date_from, date_to in PERIODS:
                for source in sources:
                    through = self.views(self.params(company, date_from, date_to, source=source))
                    direct = self.views(
                        self.params(company, date_from, date_to, direct=True, source=source)
                    )
                    self.assertEqual(through, direct, f"{company.name} {date_from} {source}")
                    first = first or through
            service = self.env["crm.xyz.manager.report.service"].with_company(company)
            team = service._team_users().ids
            through = service._figures(team, *PERIODS[2])
            summary = (
                self.env["crm.xyz.report.summary"].sudo().search([("company_id", "=", company.id)])
            )
            with self.env.cr.savepoint() as savepoint:
                summary.unlink()
                self.assertTrue(self.params(company, *PERIODS[0])["all_direct"])
                self.assertEqual(through, service._figures(team, *PERIODS[2]))
                savepoint.rollback()
        return first

    def changed_customers(self, company, source="order"):
        params = self.params(company, *PERIODS[0], source=source)
        self.env.flush_all()
        self.env.cr.execute(report_summaries.window_customers_changed(params))
        return {partner_id for (partner_id,) in self.env.cr.fetchall()}

    def summary_rows(self, table, company=None):
        self.env.cr.execute(
            SQL(
                "SELECT * FROM %s WHERE %s ORDER BY 1, 2, 3",
                SQL.identifier(table),
                SQL("company_id = %s", company.id) if company else SQL("TRUE"),
            )
        )
        return self.env.cr.fetchall()


@tagged("post_install", "-at_install")
class TestSummariesFollowTheDocuments(SummariesCommon):
    """After the refresh, whatever happens to the documents, the report reads what
    they say: through the summaries for what did not change, from the documents for
    what did."""

    def test_refresh_builds_the_past_days(self):
        self.create_order(self.contact, 100, DAY, cost=60)
        self.create_order(self.customer, 50, datetime(2024, 3, 14, 23, 30), cost=10)
        self.create_order(self.customer, 200, DAY, pricelist=self.eur_pricelist)
        self.create_invoice(self.contact, 100, DAY)
        self.refresh()
        summary = (
            self.env["crm.xyz.report.summary"].sudo().search([("company_id", "=", self.company.id)])
        )
        self.assertEqual(summary.summary_day, fields.Date.context_today(summary))
        self.assertEqual(summary.tz, "UTC")
        # the contact's orders count for its company; EUR at 2.0; margins 40 + 40 + 200 / 2
        sale_days = {
            (source, partner_id): days
            for _company, source, partner_id, days in self.summary_rows(
                report_summaries.SALE_DAYS_TABLE, self.company
            )
        }
        self.assertEqual(str(sale_days["order", self.customer.id]), "{[2024-03-14,2024-03-15)}")
        self.assertEqual(str(sale_days["invoice", self.customer.id]), "{[2024-03-14,2024-03-15)}")
        daily = self.summary_rows(report_summaries.DAILY_SALES_TABLE, self.company)
        self.assertEqual([row[1:5] for row in daily], [(DAY, self.salesman.id, 3, 0)])
        self.assertEqual(float(daily[0][5]), 250.0)
        self.assertEqual(float(daily[0][6]), 180.0)
        # nothing changed since: the report reads the summaries alone
        self.assertFalse(self.changed_customers(self.company))
        self.assertFalse(self.changed_customers(self.company, "invoice"))
        views = self.assertReadAsDocuments()
        # a customer at the end of the first quarter, not at its start
        self.assertIn((self.customer.id, False, True), views["windows"])

    def test_orders_changed_after_the_refresh(self):
        order = self.create_order(self.contact, 100, DAY)
        self.create_order(self.contact, 50, DAY + timedelta(days=1))
        self.create_order(self.customer, 70, DAY + timedelta(days=10))
        quotation = self.create_order(self.customer, 30, DAY + timedelta(days=20), confirm=False)
        moved = self.create_order(self.other_customer, 40, DAY + timedelta(days=3))
        self.refresh()
        self.assertReadAsDocuments()
        # a quotation confirmed on a past day, an order moved back, another cancelled
        quotation.action_confirm()
        quotation.date_order = datetime(2024, 4, 3, 12)
        order.date_order = datetime(2024, 3, 1, 12)
        self.create_order(self.customer, 10, DAY + timedelta(days=2))._action_cancel()
        self.assertReadAsDocuments()
        self.assertEqual(self.changed_customers(self.company), {self.customer.id})
        # an order moved to another customer, to another salesperson, to the other company
        order.partner_id = self.other_customer
        moved.user_id = self.salesman_2
        self.assertReadAsDocuments()
        self.create_order(self.customer, 20, DAY, company=self.company_2, user=self.manager_2)
        self.assertReadAsDocuments()
        # amounts changed on a confirmed order, one completed by SQL, one deleted
        order.order_line.price_unit = 130
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE sale_order SET xyz_completed = TRUE, write_date = %s WHERE id = %s",
                self.env.cr.now(),
                order.id,
            )
        )
        self.env.invalidate_all()
        self.assertReadAsDocuments()
        order._action_cancel()
        order.unlink()
        self.assertReadAsDocuments()

    def test_contacts_moving_and_merging(self):
        self.create_order(self.contact, 100, DAY)
        self.create_order(self.other_customer, 40, DAY + timedelta(days=5))
        self.create_invoice(self.contact, 100, DAY)
        self.refresh()
        # the contact moves to the other customer with its orders
        self.contact.parent_id = self.other_customer
        self.assertReadAsDocuments()
        # ... becomes a customer of its own
        self.contact.write({"parent_id": False, "is_company": True})
        self.assertReadAsDocuments()
        self.refresh()
        # ... and is merged into the first customer (Odoo moves its documents in SQL)
        wizard = self.env["base.partner.merge.automatic.wizard"].create({})
        wizard._merge((self.contact | self.customer).ids, self.customer)
        self.assertReadAsDocuments()

    def test_contact_data_and_salespeople(self):
        self.create_order(self.customer, 100, DAY)
        self.refresh()
        contact = self.env["res.partner"].create(
            {"name": "Dan Data", "parent_id": self.customer.id, "mobile": "+1 555 0100"}
        )
        self.customer.write({"street": "1 Main St", "city": "Springfield"})
        self.customer.country_id = self.env.ref("base.us")
        self.assertReadAsDocuments()
        self.refresh()
        contact.active = False
        self.other_customer.user_id = self.salesman_2
        self.assertReadAsDocuments()
        self.refresh()
        contact.unlink()
        self.customer.active = False
        self.assertReadAsDocuments()
        self.refresh()
        # a customer that becomes a contact is no longer a customer, and is deleted
        self.other_customer.write({"parent_id": self.customer.id, "is_company": False})
        self.assertReadAsDocuments()
        self.refresh()
        self.other_customer.unlink()
        self.assertReadAsDocuments()

    def test_invoices(self):
        invoice = self.create_invoice(self.contact, 100, DAY)
        self.create_invoice(self.customer, 30, DAY + timedelta(days=3), refund=True)
        draft = self.create_invoice(self.customer, 20, DAY + timedelta(days=7), post=False)
        moved = self.create_invoice(self.customer, 20, DAY + timedelta(days=9))
        self.refresh()
        self.assertReadAsDocuments()
        draft.action_post()
        invoice.button_draft()
        self.assertReadAsDocuments()
        invoice.invoice_date = DAY - timedelta(days=1)
        invoice.action_post()
        draft.button_draft()
        draft.button_cancel()
        self.assertReadAsDocuments()
        # reset, given to another customer, posted again
        moved.button_draft()
        moved.partner_id = self.other_customer
        moved.action_post()
        self.assertReadAsDocuments()
        self.assertIn(self.customer.id, self.changed_customers(self.company, "invoice"))

    def test_payments(self):
        invoice = self.create_invoice(self.customer, 1000.0, DAY, post=False)
        invoice.invoice_user_id = self.salesman
        invoice.action_post()
        payment = self.register_payment(invoice, DAY + timedelta(days=10), 400.0)
        self.register_payment(invoice, DAY + timedelta(days=20))
        self.refresh()
        self.assertReadAsDocuments(sources=("order",))
        # the salesperson of the invoice changes; a payment undone
        invoice.invoice_user_id = self.salesman_2
        self.assertReadAsDocuments(sources=("order",))
        payment.move_id.line_ids.remove_move_reconcile()
        self.assertReadAsDocuments(sources=("order",))
        self.refresh()
        self.assertEqual(
            [
                row[2:]
                for row in self.summary_rows(report_summaries.DAILY_PAYMENTS_TABLE)
                if row[0] == self.company.id
            ],
            [(self.salesman_2.id, 600.0)],
        )

    def register_payment(self, move, when, amount=None):
        values = {"payment_date": when}
        if amount is not None:
            values["amount"] = amount
        return (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create(values)
            ._create_payments()
        )

    def test_company_time_zone_and_currency(self):
        """A refresh made in another time zone, currency or rounding is not read: the
        report reads the documents until the next refresh."""
        self.create_order(self.customer, 100, datetime(2024, 3, 14, 22, 30))
        self.refresh()
        self.company.partner_id.tz = "Europe/Moscow"
        self.assertTrue(self.params(self.company, *PERIODS[0])["all_direct"])
        self.refresh()
        self.assertReadAsDocuments()
        self.company.currency_id.rounding = 0.001
        self.assertTrue(self.params(self.company, *PERIODS[0])["all_direct"])
        self.refresh()
        self.assertReadAsDocuments()

    def test_todays_documents_are_read_from_the_documents(self):
        """The days from the refresh's day on are not in the summaries, whoever writes
        them (SQL included, which sets no write date)."""
        today = fields.Date.context_today(self.env.user)
        order = self.create_order(self.customer, 100, today)
        self.refresh()
        self.assertFalse(
            [row for row in self.summary_rows(report_summaries.DAILY_SALES_TABLE, self.company)]
        )
        self.env.flush_all()
        self.env.cr.execute(
            SQL("UPDATE sale_order SET amount_untaxed = 250 WHERE id = %s", order.id)
        )
        params = self.params(self.company, today - timedelta(days=30), today)
        self.assertEqual(self.views(params)["orders"][0][2], 250)
        self.assertEqual(
            self.views(params),
            self.views(self.params(self.company, today - timedelta(days=30), today, direct=True)),
        )

    def test_the_change_log_is_purged(self):
        order = self.create_order(self.customer, 100, DAY)
        self.refresh()
        order._action_cancel()
        order.unlink()
        self.env.cr.execute(
            SQL("SELECT COUNT(*) FROM %s", SQL.identifier(report_summaries.CHANGE_TABLE))
        )
        self.assertTrue(self.env.cr.fetchone()[0])
        self.refresh()
        self.env.cr.execute(
            SQL("SELECT COUNT(*) FROM %s", SQL.identifier(report_summaries.CHANGE_TABLE))
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)


@tagged("post_install", "-at_install")
class TestSummariesReadOnly(SummariesCommon):
    def test_get_indicators_in_a_read_only_transaction(self):
        """The report reads: it runs in a read-only transaction (as on a replica)."""
        self.create_order(self.customer, 100, DAY)
        self.refresh()
        self.create_order(self.customer, 50, DAY + timedelta(days=1))
        service = self.env["crm.xyz.manager.report.service"].with_user(self.manager)
        expected = service.get_indicators("2024-01-01", "2024-12-31")
        self.env.cr.flush()
        self.env.invalidate_all()
        with self.env.cr.savepoint(flush=False):
            # as Odoo's read-only test cursors do: anything written fails
            self.env.cr.execute("SET TRANSACTION READ ONLY")
            self.assertEqual(service.get_indicators("2024-01-01", "2024-12-31"), expected)
            with (
                self.assertRaises(psycopg2.errors.ReadOnlySqlTransaction),
                mute_logger("odoo.sql_db"),
                self.env.cr.savepoint(),
            ):
                self.env.cr.execute("CREATE TEMPORARY TABLE crm_xyz_scratch (id integer)")
        self.assertEqual(
            [row["completed_orders"] for row in expected if row["user_id"] == self.salesman.id],
            [0],
        )
        self.assertEqual(
            [row["revenue"] for row in expected if row["user_id"] == self.salesman.id], [150.0]
        )
