from datetime import date

from odoo.api import call_kw
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from ..tools import manager_report_query as queries
from ..tools import report_summaries
from .common import XyzCommon

RECEIVED = "crm.xyz.received.payment"


@tagged("post_install", "-at_install")
class TestReceivedPayments(XyzCommon):
    """The payments received on each salesperson's invoices are kept, one row per
    reconciliation, as the reconciliations are made and undone: the manager report
    sums them rather than joining every reconciliation to the invoices."""

    def pay(self, move, when, amount=None):
        values = {"payment_date": when}
        if amount is not None:
            values["amount"] = amount
        return (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create(values)
            ._create_payments()
        )

    def invoice(self, amount, when, user, refund=False):
        move = self.create_invoice(self.customer, amount, when, refund=refund, post=False)
        move.invoice_user_id = user
        move.action_post()
        return move

    def received(self, *moves):
        """(salesperson, date, amount) of the rows of `moves`, sorted."""
        partials = moves[0].browse().line_ids.matched_debit_ids
        for move in moves:
            partials |= move.line_ids.matched_debit_ids | move.line_ids.matched_credit_ids
        rows = self.env[RECEIVED].sudo().search([("partial_id", "in", partials.ids)])
        return sorted((row.user_id.login, row.date, row.amount) for row in rows)

    def assertDailyAsReceived(self):
        """The daily sums of the nightly refresh are those of the rows."""
        self.env["crm.xyz.report.summary"]._refresh()
        self.env.cr.execute(
            SQL(
                """SELECT user_id, day, amount FROM %s
                    WHERE company_id = %s AND amount <> 0 ORDER BY 1, 2""",
                SQL.identifier(report_summaries.DAILY_PAYMENTS_TABLE),
                self.company.id,
            )
        )
        daily = self.env.cr.fetchall()
        self.env.cr.execute(
            SQL(
                """SELECT user_id, date, SUM(amount) FROM crm_xyz_received_payment
                    WHERE company_id = %s AND user_id IS NOT NULL
                    GROUP BY 1, 2 HAVING SUM(amount) <> 0 ORDER BY 1, 2""",
                self.company.id,
            )
        )
        self.assertEqual(daily, self.env.cr.fetchall())
        return daily

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.create_customer("Payer Co")

    def test_rows_follow_the_reconciliations(self):
        invoice = self.invoice(1000.0, date(2026, 4, 1), self.salesman)
        # paid in two parts
        self.pay(invoice, date(2026, 4, 10), amount=400.0)
        self.pay(invoice, date(2026, 5, 2))
        login = self.salesman.login
        self.assertEqual(
            self.received(invoice),
            [(login, date(2026, 4, 10), 400.0), (login, date(2026, 5, 2), 600.0)],
        )
        # a credit note paid back: money given back
        refund = self.invoice(150.0, date(2026, 5, 5), self.salesman, refund=True)
        self.pay(refund, date(2026, 5, 6))
        self.assertEqual(self.received(refund), [(login, date(2026, 5, 6), -150.0)])
        self.assertEqual(len(self.assertDailyAsReceived()), 3)
        # the invoice handed over to another salesperson: its payments go with it
        invoice.invoice_user_id = self.salesman_2
        self.assertEqual([row[0] for row in self.received(invoice)], [self.salesman_2.login] * 2)
        self.assertEqual(
            [user_id for user_id, _day, _amount in self.assertDailyAsReceived()],
            [self.salesman.id, self.salesman_2.id, self.salesman_2.id],
        )
        # undone: the rows go with the reconciliations
        invoice.line_ids.remove_move_reconcile()
        self.assertEqual(self.received(invoice), [])
        self.assertEqual(len(self.assertDailyAsReceived()), 1)

    def test_a_credit_note_set_against_an_invoice_is_no_payment(self):
        invoice = self.invoice(500.0, date(2026, 4, 1), self.salesman)
        refund = self.invoice(100.0, date(2026, 4, 3), self.salesman, refund=True)
        (invoice | refund).line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        ).reconcile()
        self.assertEqual(self.received(invoice, refund), [])
        self.pay(invoice, date(2026, 4, 9))
        self.assertEqual(self.received(invoice), [(self.salesman.login, date(2026, 4, 9), 400.0)])

    def test_recording_everything_again_changes_nothing(self):
        invoice = self.invoice(800.0, date(2026, 4, 1), self.salesman)
        self.pay(invoice, date(2026, 4, 10), amount=300.0)
        refund = self.invoice(50.0, date(2026, 4, 12), self.salesman, refund=True)
        self.pay(refund, date(2026, 4, 13))
        self.env.flush_all()
        columns = SQL("partial_id, company_id, user_id, date, amount")
        self.env.cr.execute(SQL("SELECT %s FROM crm_xyz_received_payment ORDER BY 1", columns))
        kept = self.env.cr.fetchall()
        self.assertTrue(kept)
        # what install and upgrade do, from the reconciliations alone
        self.env.cr.execute(SQL("DELETE FROM crm_xyz_received_payment"))
        self.env[RECEIVED].init()
        self.env.cr.execute(SQL("SELECT %s FROM crm_xyz_received_payment ORDER BY 1", columns))
        self.assertEqual(self.env.cr.fetchall(), kept)
        self.assertEqual(len(self.assertDailyAsReceived()), 2)
        # the definition reads the reconciliations
        self.env.cr.execute(
            SQL("%s ORDER BY 1", SQL(queries.RECEIVED_PAYMENTS, partials=SQL("TRUE")))
        )
        self.assertEqual(self.env.cr.fetchall(), kept)

    def test_who_reads_them(self):
        """Over RPC: a sales manager reads those of his companies; nobody writes them."""
        invoice = self.invoice(200.0, date(2026, 4, 1), self.salesman)
        self.pay(invoice, date(2026, 4, 2))
        row = (
            self.env[RECEIVED]
            .sudo()
            .search([("partial_id.debit_move_id.move_id", "=", invoice.id)])
        )
        self.assertEqual(len(row), 1)
        portal = new_test_user(self.env, login="xyz_portal_payments", groups="base.group_portal")

        def rpc(user, method, args, kwargs=None):
            return call_kw(self.env[RECEIVED].with_user(user), method, args, kwargs or {})

        found = rpc(self.manager, "search_read", [[("id", "=", row.id)]], {"fields": ["amount"]})
        self.assertEqual([line["amount"] for line in found], [200.0])
        # another company's sales manager does not see them
        self.assertFalse(rpc(self.manager_2, "search", [[("id", "=", row.id)]]))
        for user in (self.salesman, portal):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                rpc(user, "search", [[]])
        for user in (self.manager, self.env.ref("base.user_admin")):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                rpc(user, "write", [row.ids, {"amount": 1.0}])
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                rpc(user, "unlink", [row.ids])
