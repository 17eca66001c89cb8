from datetime import date

from odoo.tests import tagged
from odoo.tools import SQL
from odoo.tools.sql import index_exists

from ..tools import manager_report_query as queries
from .common import XyzCommon

TODAY = date(2026, 5, 4)


@tagged("post_install", "-at_install")
class TestCompletedOrdersFlag(XyzCommon):
    """Whether an order is completed is stored on it (``xyz_completed``) and follows the
    deliveries and invoices during the day; the SQL that fills it at install and
    upgrade gives the same answer."""

    def completed_by_sql(self, orders):
        self.env.flush_all()
        self.env.cr.execute(SQL(queries.COMPLETED_ORDERS))
        return orders.browse({order_id for (order_id,) in self.env.cr.fetchall()}) & orders

    def test_delivery_and_invoices_during_the_day(self):
        customer = self.create_customer("Completed Co")
        order = self.create_order(customer, 400.0, TODAY)
        steps = []

        def step(name):
            steps.append((name, order.xyz_completed, bool(self.completed_by_sql(order))))

        step("confirmed")
        order.order_line.qty_delivered = 1
        step("delivered")
        invoice = order._create_invoices()
        step("draft invoice")
        invoice.action_post()
        step("posted invoice")
        credit_note = invoice._reverse_moves()
        step("draft credit note")
        credit_note.action_post()
        step("posted credit note")
        self.assertEqual(
            steps,
            [
                ("confirmed", False, False),
                ("delivered", False, False),
                # a draft invoice counts in qty_invoiced, not yet as an invoice
                ("draft invoice", False, False),
                ("posted invoice", True, True),
                ("draft credit note", False, False),
                ("posted credit note", False, False),
            ],
        )

    def test_a_note_line_or_an_empty_order_is_not_completed(self):
        customer = self.create_customer("Empty Co")
        empty = self.create_order(customer, 100.0, TODAY, confirm=False)
        empty.order_line.product_uom_qty = 0
        empty.action_confirm()
        self.assertFalse(empty.xyz_completed)
        self.assertFalse(self.completed_by_sql(empty))

    def test_the_install_sql_agrees_with_the_orm_on_every_order(self):
        customer = self.create_customer("Mixed Co")
        done, draft_invoiced, undelivered = (
            self.create_order(customer, amount, TODAY) for amount in (100.0, 200.0, 300.0)
        )
        (done | draft_invoiced).order_line.qty_delivered = 1
        done._create_invoices().action_post()
        draft_invoiced._create_invoices()
        undelivered._create_invoices().action_post()
        orders = self.env["sale.order"].search([])
        self.assertEqual(
            orders.filtered("xyz_completed") & (done | draft_invoiced | undelivered), done
        )
        # every order of the database, the demo data's included
        self.assertEqual(self.completed_by_sql(orders), orders.filtered("xyz_completed"))

    def test_filled_when_the_column_is_missing_only(self):
        customer = self.create_customer("Refill Co")
        order = self.create_order(customer, 250.0, TODAY)
        order.order_line.qty_delivered = 1
        order._create_invoices().action_post()
        self.assertTrue(order.xyz_completed)
        self.env.flush_all()
        # the column exists: nothing is rewritten
        self.env.cr.execute(
            SQL("UPDATE sale_order SET xyz_completed = NULL WHERE id = %s", order.id)
        )
        queries.fill_completed_orders(self.env.cr)
        self.env.cr.execute(SQL("SELECT xyz_completed FROM sale_order WHERE id = %s", order.id))
        self.assertIsNone(self.env.cr.fetchone()[0])
        # dropped (as before an upgrade to the version that adds it): made and filled again
        self.env.cr.execute(SQL("ALTER TABLE sale_order DROP COLUMN xyz_completed CASCADE"))
        queries.fill_completed_orders(self.env.cr)
        self.env.cr.execute(SQL("SELECT xyz_completed FROM sale_order WHERE id = %s", order.id))
        self.assertTrue(self.env.cr.fetchone()[0])

    def test_the_report_indexes_exist(self):
        for name, table, _columns, _included, _predicate in queries.REPORT_INDEXES:
            with self.subTest(index=name):
                self.assertTrue(index_exists(self.env.cr, name), table)
