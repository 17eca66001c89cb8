"""The manager report stays exact when documents are written while the summaries are
refreshed, by concurrent transactions of Odoo and by plain SQL sessions.

These tests commit, as concurrent users do: each transaction is a cursor of its
own, the refresh follows its scheduled action's two transactions, and what they
wrote is deleted at the end.
"""

from contextlib import closing, contextmanager
from datetime import date, datetime, time, timedelta

import psycopg2

from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry
from odoo.sql_db import connection_info_for
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import SQL

from ..tools import report_summaries

NAME = "XYZ Concurrency"


@tagged("post_install", "-at_install")
class TestSummariesUnderConcurrency(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        with cls.env_of() as env:
            env.cr.execute(SQL("SELECT COUNT(*) FROM crm_xyz_report_summary"))
            cls.had_summaries = bool(env.cr.fetchone()[0])
            cls.company_id = env.ref("base.main_company").id
            cls.user_id = env.ref("base.user_admin").id
            product = env["product.product"].create(
                {"name": f"{NAME} Service", "type": "service", "taxes_id": [Command.clear()]}
            )
            cls.product_id = product.id
            customer = env["res.partner"].create(
                {
                    "name": f"{NAME} Customer",
                    "is_company": True,
                    "user_id": cls.user_id,
                    "email": "concurrency@example.com",
                }
            )
            contacts = env["res.partner"].create(
                [
                    {"name": f"{NAME} Contact {n}", "parent_id": customer.id, "phone": "+1 555"}
                    for n in (1, 2)
                ]
            )
            cls.customer_id, cls.contact_ids = customer.id, contacts.ids
            env.cr.commit()

    @classmethod
    def tearDownClass(cls):
        with cls.env_of() as env:
            env.cr.execute(
                SQL(
                    """SELECT id FROM res_partner WHERE name LIKE %s""",
                    f"{NAME}%",
                )
            )
            partner_ids = [row[0] for row in env.cr.fetchall()]
            for statement in (
                "DELETE FROM account_partial_reconcile WHERE debit_move_id IN "
                "(SELECT id FROM account_move_line WHERE partner_id = ANY(%(p)s))",
                "DELETE FROM account_move WHERE partner_id = ANY(%(p)s)",
                "DELETE FROM sale_order WHERE partner_id = ANY(%(p)s)",
                "DELETE FROM crm_xyz_salesperson_history WHERE partner_id = ANY(%(p)s)",
                "DELETE FROM res_partner WHERE id = ANY(%(p)s) AND parent_id IS NOT NULL",
                "DELETE FROM res_partner WHERE id = ANY(%(p)s)",
                "DELETE FROM product_template WHERE id IN "
                "(SELECT product_tmpl_id FROM product_product WHERE id = %(product)s)",
            ):
                env.cr.execute(statement, {"p": partner_ids, "product": cls.product_id})
            if cls.had_summaries:
                env["crm.xyz.report.summary"]._refresh()
            else:
                env.cr.execute("DELETE FROM crm_xyz_report_summary")
                for table in report_summaries.TABLES:
                    env.cr.execute(SQL("DELETE FROM %s", SQL.identifier(table)))
            env.cr.commit()
        super().tearDownClass()

    @classmethod
    @contextmanager
    def env_of(cls):
        with cls.registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})

    # ------------------------------------------------------------ helpers
    def order(self, env, day, amount=100.0, confirm=True):
        order = env["sale.order"].create(
            {
                "partner_id": self.contact_ids[0],
                "user_id": self.user_id,
                "company_id": self.company_id,
                "date_order": datetime.combine(day, time(12)),
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product_id,
                            "product_uom_qty": 1,
                            "price_unit": amount,
                            "tax_id": [Command.clear()],
                        }
                    )
                ],
            }
        )
        if confirm:
            order.action_confirm()
            order.date_order = datetime.combine(day, time(12))
        return order

    def invoice(self, env, day, amount=100.0):
        move = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.contact_ids[0],
                "invoice_user_id": self.user_id,
                "invoice_date": day,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product_id,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        move.action_post()
        return move

    def refresh(self):
        """The scheduled refresh: the oldest transaction running is read in one
        transaction, the summaries are built in the next."""
        with self.env_of() as env:
            since = env["crm.xyz.report.summary"]._oldest_transaction_start()
        with self.env_of() as env:
            self.assertTrue(env["crm.xyz.report.summary"]._refresh(since))

    def assertReportAsDocuments(self, date_from, date_to):
        """In a new transaction: the report's figures through the summaries equal those of
        the documents alone (the summaries set aside); returns the admin's figures."""
        with self.env_of() as superuser:
            env = superuser(context={"allowed_company_ids": [self.company_id]})
            service = env["crm.xyz.manager.report.service"]
            team = service._team_users().ids
            self.assertFalse(env["crm.xyz.report.summary"]._read_params(env.company)["all_direct"])
            through = service._figures(team, date_from, date_to)
            env.cr.execute("DELETE FROM crm_xyz_report_summary")
            env.invalidate_all()
            self.assertTrue(env["crm.xyz.report.summary"]._read_params(env.company)["all_direct"])
            direct = service._figures(team, date_from, date_to)
            env.cr.rollback()
        self.assertEqual(through, direct)
        return through[self.user_id]

    # ------------------------------------------------------------ tests
    def test_cancel_and_confirm_across_a_refresh(self):
        """One transaction cancels the customer's only order while the refresh takes its
        snapshot and another confirms a second one; both commit: the report counts the
        second order only, and the customer stays a customer."""
        first_day = date.today() - timedelta(days=40)
        with self.env_of() as env:
            only = self.order(env, first_day, 100.0)
            quotation = self.order(env, first_day + timedelta(days=1), 70.0, confirm=False)
            only_id, quotation_id = only.id, quotation.id
            env.cr.commit()
        self.refresh()
        before = self.assertReportAsDocuments(first_day, first_day + timedelta(days=5))
        self.assertEqual(before["revenue"], 100.0)
        with self.env_of() as cancelling, self.env_of() as confirming:
            cancelling["sale.order"].browse(only_id)._action_cancel()
            cancelling.flush_all()
            self.refresh()  # its snapshot cannot see the cancellation yet
            confirmed = confirming["sale.order"].browse(quotation_id)
            confirmed.action_confirm()
            confirmed.date_order = datetime.combine(first_day + timedelta(days=1), time(12))
            confirming.flush_all()
            cancelling.cr.commit()
            confirming.cr.commit()
        after = self.assertReportAsDocuments(first_day, first_day + timedelta(days=5))
        self.assertEqual(after["revenue"], 70.0)
        self.assertEqual(after["customers_at_end"], before["customers_at_end"])

    def test_invoices_and_contact_data_across_a_refresh(self):
        day = date.today() - timedelta(days=30)
        with self.env_of() as env:
            posted = self.invoice(env, day, 100.0)
            posted_id = posted.id
            env.cr.commit()
        self.refresh()
        with self.env_of() as resetting, self.env_of() as posting:
            resetting["account.move"].browse(posted_id).button_draft()
            resetting["res.partner"].browse(self.contact_ids[0]).phone = False
            resetting.flush_all()
            self.refresh()
            self.invoice(posting, day + timedelta(days=2), 40.0)
            posting["res.partner"].browse(self.contact_ids[1]).active = False
            posting.flush_all()
            resetting.cr.commit()
            posting.cr.commit()
        self.assertReportAsDocuments(day - timedelta(days=10), date.today())
        with self.env_of() as env:
            env.cr.execute(
                SQL(
                    "SELECT contact_data FROM %s WHERE partner_id = %s",
                    SQL.identifier(report_summaries.CUSTOMER_TABLE),
                    self.customer_id,
                )
            )
            # the summary still has the phone; the report reads the partners changed since
            self.assertEqual(env.cr.fetchone()[0], report_summaries.CONTACT_DATA_COMPLETE - 4)

    def test_backdated_edits_of_a_six_month_old_order(self):
        day = date.today() - timedelta(days=182)
        with self.env_of() as env:
            order = self.order(env, day, 300.0)
            other = self.order(env, day + timedelta(days=3), 50.0)
            order_id, other_id = order.id, other.id
            env.cr.commit()
        self.refresh()
        period = (day - timedelta(days=1), day + timedelta(days=10))
        self.assertEqual(self.assertReportAsDocuments(*period)["revenue"], 350.0)
        with self.env_of() as env:
            env["sale.order"].browse(order_id).order_line.price_unit = 320.0
            env.cr.commit()
        self.assertEqual(self.assertReportAsDocuments(*period)["revenue"], 370.0)
        with self.env_of() as env:
            env["sale.order"].browse(order_id).user_id = env.ref("base.user_demo").id
            env.cr.commit()
        self.assertEqual(self.assertReportAsDocuments(*period)["revenue"], 50.0)
        with self.env_of() as env:
            env["sale.order"].browse(other_id)._action_cancel()
            env.cr.commit()
        figures = self.assertReportAsDocuments(*period)
        self.assertEqual((figures["revenue"], figures["completed_orders"]), (0.0, 0))

    def test_sql_sessions_confirm_todays_orders_at_once(self):
        """Two plain SQL sessions (READ COMMITTED, as other tools write) confirm two orders
        of one salesperson dated today at the same time: the report counts both."""
        with self.env_of() as env:
            today = env["crm.xyz.run"]._company_today(env["res.company"].browse(self.company_id))
            quotations = [self.order(env, today, amount, confirm=False) for amount in (10, 20)]
            quotation_ids = [quotation.id for quotation in quotations]
            env.cr.commit()
        self.refresh()
        before = self.assertReportAsDocuments(today, today)["revenue"]
        _name, dsn = connection_info_for(get_db_name())
        connections = [psycopg2.connect(**dsn) for _ in quotation_ids]
        with closing(connections[0]), closing(connections[1]):
            for connection, order_id in zip(connections, quotation_ids, strict=True):
                connection.cursor().execute(
                    "UPDATE sale_order SET state = 'sale', date_order = now() AT TIME ZONE 'UTC'"
                    " WHERE id = %s",
                    [order_id],
                )
            for connection in connections:
                connection.commit()
        figures = self.assertReportAsDocuments(today, today)
        self.assertEqual(figures["revenue"], before + 30.0)
