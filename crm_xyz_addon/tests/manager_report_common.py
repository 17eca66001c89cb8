"""A small dataset for the manager performance report, with its answers worked out by hand.

The period is the second quarter of 2026 (April 1 - June 30); the previous
period, of the same length, is the first quarter. The company works in USD;
EUR is worth 0.5 USD until May 31, 2026 and 0.4 USD from June 1 (rates 2.0 and
2.5). The classification window is the default one: 12 months.

Salespeople and their customers (the salesperson set on the customer now):

    Sam (salesman)     Alpha, Beta, Gamma, Delta (Delta was Sally's until June 1)
    Sally (salesman)   Epsilon, Zeta, Eta
    Mia (manager)      Theta
    Nick (salesman)    none
    accountman         none (the test user of the accounting tests, a sales admin)

Confirmed sale orders (dates of confirmation):

    Alpha    300  2025-09-01 Sam; 1000 (cost 600) 2026-04-10 Sam, delivered, invoiced, paid
    Beta     1000 EUR (cost 600 EUR) 2026-05-05 Sam, invoiced and paid, not delivered
    Gamma    200  2025-05-15 Sam; 300 2026-05-20 Sam, cancelled; 700 quotation
    Delta    250  2025-08-01 Sally; 400 (cost 100) 2026-04-20 Sally, delivered,
             invoiced, then the invoice reversed by a credit note
    Epsilon  500  2025-12-01 Sally; 2000 (cost 1500) 2026-06-15 Sally, delivered,
             invoiced; a 300 credit note set against the invoice, the rest paid
    Zeta     150  2025-02-01 Sally
    Theta    500 (cost 300) 2026-03-15 Mia, invoiced, paid on 2026-07-02
"""

from datetime import date, datetime, timedelta

from odoo import Command
from odoo.tests import new_test_user

from ..tools import manager_report_query as queries
from .common import XyzCommon

PERIOD = (date(2026, 4, 1), date(2026, 6, 30))
PREVIOUS = (date(2026, 1, 1), date(2026, 3, 31))


class ManagerReportCommon(XyzCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountman = cls.env.user
        cls.sam, cls.sally, cls.mia = cls.salesman, cls.salesman_2, cls.manager
        cls.nick = new_test_user(
            cls.env,
            login="xyz_nick",
            name="Nick Newcomer",
            email="nick@example.com",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
            tz="UTC",
        )
        cls.env["res.currency.rate"].create(
            {
                "name": "2026-06-01",
                "rate": 2.5,
                "currency_id": cls.eur.id,
                "company_id": cls.company.id,
            }
        )
        cls.country = cls.env.ref("base.be")
        full = {
            "email": "info@example.com",
            "phone": "+32 2 000 00 00",
            "street": "Rue 1",
            "city": "Brussels",
            "country_id": cls.country.id,
        }
        cls.alpha = cls.create_customer("Alpha", user_id=cls.sam.id, **full)
        cls.beta = cls.create_customer(
            "Beta",
            user_id=cls.sam.id,
            mobile="+32 470 00 00 00",
            street="Rue 2",
            city="Liège",
            country_id=cls.country.id,
        )
        # Beta's email is on its contact: it counts for the customer
        cls.bob = cls.env["res.partner"].create(
            {"name": "Bob Beta", "parent_id": cls.beta.id, "email": "bob@example.com"}
        )
        cls.gamma = cls.create_customer(  # no country: incomplete
            "Gamma",
            user_id=cls.sam.id,
            email="g@example.com",
            phone="1",
            street="Rue 3",
            city="Ghent",
        )
        cls.delta = cls.create_customer("Delta", user_id=cls.sally.id)  # nothing: incomplete
        cls.epsilon = cls.create_customer("Epsilon", user_id=cls.sally.id, **full)
        cls.zeta = cls.create_customer(  # no phone: incomplete
            "Zeta",
            user_id=cls.sally.id,
            email="z@example.com",
            street="Rue 4",
            city="Namur",
            country_id=cls.country.id,
        )
        cls.eta = cls.create_customer("Eta", user_id=cls.sally.id, **full)
        cls.theta = cls.create_customer("Theta", user_id=cls.mia.id, **full)
        # an archived customer counts nowhere
        cls.create_customer("Iota", user_id=cls.sam.id, active=False, **full)

        cls._create_orders()
        cls._create_invoices_and_payments()
        cls._create_contacts()
        cls._create_history()
        # Delta moves from Sally to Sam during the period
        cls.reassign(cls.delta, cls.sam, datetime(2026, 6, 1))
        # the nightly run wrote down the contact data at the end of the period, not before
        cls.take_snapshot(PERIOD[1])

    # ------------------------------------------------------------------ data
    @classmethod
    def _create_orders(cls):
        sam, sally = cls.sam, cls.sally
        cls.create_order(cls.alpha, 300, date(2025, 9, 1), user=sam)
        cls.order_alpha = cls.create_order(cls.alpha, 1000, date(2026, 4, 10), user=sam, cost=600)
        cls.order_beta = cls.create_order(
            cls.beta, 1000, date(2026, 5, 5), user=sam, cost=600, pricelist=cls.eur_pricelist
        )
        cls.create_order(cls.gamma, 200, date(2025, 5, 15), user=sam)
        cancelled = cls.create_order(cls.gamma, 300, date(2026, 5, 20), user=sam)
        cancelled._action_cancel()
        cls.create_order(cls.gamma, 700, date(2026, 6, 1), user=sam, confirm=False)
        cls.create_order(cls.delta, 250, date(2025, 8, 1), user=sally)
        cls.order_delta = cls.create_order(cls.delta, 400, date(2026, 4, 20), user=sally, cost=100)
        cls.create_order(cls.epsilon, 500, date(2025, 12, 1), user=sally)
        cls.order_epsilon = cls.create_order(
            cls.epsilon, 2000, date(2026, 6, 15), user=sally, cost=1500
        )
        cls.create_order(cls.zeta, 150, date(2025, 2, 1), user=sally)
        cls.order_theta = cls.create_order(
            cls.theta, 500, date(2026, 3, 15), user=cls.mia, cost=300
        )
        (cls.order_alpha | cls.order_delta | cls.order_epsilon).order_line.qty_delivered = 1
        # an order of the other company counts there only
        cls.create_order(
            cls.alpha, 999, date(2026, 5, 1), company=cls.company_2, user=cls.accountman
        )

    @classmethod
    def _create_invoices_and_payments(cls):
        cls.invoice_alpha = cls.invoice_order(cls.order_alpha, date(2026, 4, 12))
        cls.pay(cls.invoice_alpha, date(2026, 4, 20))
        # a credit note of Sam's paid back to Alpha: money given back
        refund_alpha = cls.standalone_invoice(
            cls.alpha, 200, date(2026, 5, 8), cls.sam, refund=True
        )
        cls.pay(refund_alpha, date(2026, 5, 10))
        # 1000 EUR invoiced at 2.0 (500 USD), paid at 2.5: 400 USD received
        cls.invoice_beta = cls.invoice_order(cls.order_beta, date(2026, 5, 6))
        cls.pay(cls.invoice_beta, date(2026, 6, 5))
        # Delta's invoice reversed: the order is no longer invoiced, nothing is received
        invoice_delta = cls.invoice_order(cls.order_delta, date(2026, 4, 21))
        invoice_delta._reverse_moves(
            [{"invoice_date": date(2026, 4, 25), "date": date(2026, 4, 25)}], cancel=True
        )
        # a credit note set against Epsilon's invoice is not a payment; the rest is paid
        invoice_epsilon = cls.invoice_order(cls.order_epsilon, date(2026, 6, 16))
        refund_epsilon = cls.standalone_invoice(
            cls.epsilon, 300, date(2026, 6, 18), cls.sally, refund=True
        )
        (invoice_epsilon | refund_epsilon).line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        ).reconcile()
        cls.pay(invoice_epsilon, date(2026, 6, 20))
        # paid after the period
        invoice_theta = cls.invoice_order(cls.order_theta, date(2026, 3, 16))
        cls.pay(invoice_theta, date(2026, 7, 2))

    @classmethod
    def _create_contacts(cls):
        todo = cls.env.ref("mail.mail_activity_data_todo")
        meeting = cls.env.ref("mail.mail_activity_data_meeting")
        lead_beta = cls.env["crm.lead"].create(
            {
                "name": "Beta deal",
                "type": "opportunity",
                "partner_id": cls.bob.id,
                "user_id": cls.sam.id,
                "company_id": cls.company.id,
            }
        )
        cls.done_activity(cls.alpha, todo, datetime(2026, 4, 15, 9))
        cls.done_activity(lead_beta, todo, datetime(2026, 5, 12, 9))
        cls.done_activity(cls.order_epsilon, todo, datetime(2026, 6, 16, 9))
        # a meeting-type activity: its calendar event is what counts
        cls.done_activity(cls.alpha, meeting, datetime(2026, 5, 2, 9))
        cls.done_activity(cls.alpha, todo, datetime(2026, 3, 20, 9))  # previous period
        cls.done_activity(cls.gamma, todo, datetime(2026, 7, 5, 9))  # after the period
        cls.meeting([cls.alpha], datetime(2026, 5, 3, 10))
        cls.meeting([cls.alpha, cls.gamma], datetime(2026, 6, 10, 10))  # one meeting for Sam
        declined = cls.meeting([cls.epsilon], datetime(2026, 6, 12, 10))
        declined.attendee_ids.filtered(
            lambda attendee: attendee.partner_id == cls.epsilon
        ).state = "declined"
        cls.meeting([cls.epsilon], datetime(2026, 6, 20, 10))

    @classmethod
    def _create_history(cls):
        rows = [
            (cls.alpha, cls.sam, date(2026, 4, 30), "one_off", "regular", "up"),
            (cls.beta, cls.sam, date(2026, 5, 31), False, "one_off", "new"),
            (cls.gamma, cls.sam, date(2026, 6, 30), "one_off", "lost", "down"),
            (cls.delta, cls.sally, date(2026, 4, 30), "regular", "one_off", "down"),
            (cls.zeta, cls.sally, date(2026, 5, 31), "one_off", "lost", "down"),
            (cls.epsilon, cls.sally, date(2026, 3, 31), "one_off", "regular", "up"),
            (cls.alpha, cls.sam, date(2026, 5, 31), "regular", "regular", "same"),
        ]
        History = cls.env["crm.xyz.history"].sudo()
        for partner, user, day, old, new, trend in rows:
            History.create(
                {
                    "date": day,
                    "company_id": cls.company.id,
                    "partner_id": partner.id,
                    "user_id": user.id,
                    "old_stage": old,
                    "new_stage": new,
                    "stage_trend": trend,
                }
            )
        History.create(
            {  # another company's change
                "date": date(2026, 5, 31),
                "company_id": cls.company_2.id,
                "partner_id": cls.alpha.id,
                "user_id": cls.sam.id,
                "old_stage": "one_off",
                "new_stage": "regular",
                "stage_trend": "up",
            }
        )

    # --------------------------------------------------------------- helpers
    @classmethod
    def take_snapshot(cls, day, company=None):
        """The completeness snapshot the nightly run takes, dated ``day``, of the data now."""
        company = company or cls.company
        cls.env.flush_all()
        cls.env.cr.execute(
            queries.take_completeness_snapshot_query(
                {
                    **cls.env["crm.xyz.report.summary"]._read_params(company),
                    "date": day,
                    "team_ids": cls.env["crm.xyz.manager.report.service"]
                    .with_company(company)
                    ._team_users()
                    .ids,
                    "uid": cls.env.uid,
                }
            )
        )
        cls.env["crm.xyz.completeness.snapshot"].invalidate_model()

    @classmethod
    def reassign(cls, customer, user, when):
        """Hand ``customer`` over to ``user`` as if it had happened at ``when``: the
        salesperson history dates the change now, its row is moved back to ``when``
        (and the earlier rows before it)."""
        customer.user_id = user
        rows = (
            cls.env["crm.xyz.salesperson.history"]
            .sudo()
            .search([("partner_id", "=", customer.id)], order="date_from, id")
        )
        *earlier, last = rows
        for row in earlier:
            if row.date_from >= when:
                row.date_from = when - timedelta(days=1)
        last.date_from = when

    @classmethod
    def invoice_order(cls, order, when):
        invoice = order._create_invoices()
        invoice.write({"invoice_date": when, "date": when})
        invoice.action_post()
        return invoice

    @classmethod
    def standalone_invoice(cls, partner, amount, when, user, refund=False):
        move = cls.create_invoice(partner, amount, when, refund=refund, post=False)
        move.invoice_user_id = user
        move.action_post()
        return move

    @classmethod
    def pay(cls, move, when):
        return (
            cls.env["account.payment.register"]
            .with_context(
                active_model="account.move",
                active_ids=move.ids,
            )
            .create({"payment_date": when})
            ._create_payments()
        )

    @classmethod
    def done_activity(cls, record, activity_type, when):
        activity = cls.env["mail.activity"].create(
            {
                "res_model_id": cls.env["ir.model"]._get_id(record._name),
                "res_id": record.id,
                "activity_type_id": activity_type.id,
                "user_id": record.user_id.id or cls.env.uid,
                "summary": f"Call {record.display_name}",
            }
        )
        message_id = activity.action_feedback(feedback="Done")
        cls.env["mail.message"].browse(message_id).sudo().date = when

    @classmethod
    def meeting(cls, customers, start):
        return cls.env["calendar.event"].create(
            {
                "name": "Meeting with " + ", ".join(customer.name for customer in customers),
                "start": start,
                "stop": start.replace(hour=start.hour + 1),
                "partner_ids": [Command.set([customer.id for customer in customers])],
                "user_id": customers[0].user_id.id,
            }
        )

    # ---------------------------------------------------------------- access
    @classmethod
    def report_as(cls, user, **values):
        """A manager performance report created by ``user`` for the period."""
        return (
            cls.env["crm.xyz.manager.report"]
            .with_user(user)
            .create(
                {
                    "period": "custom",
                    "date_from": PERIOD[0],
                    "date_to": PERIOD[1],
                    **values,
                }
            )
        )

    def layout(self, report):
        """The report as its PDF and XLSX files lay it out."""
        return self.env["report.crm_xyz_addon.report_manager_performance"]._layout_table(report)

    def line_of(self, report, user):
        line = report.line_ids.filtered(lambda line: line.user_id == user)
        self.assertEqual(len(line), 1, f"one line for {user.name}")
        return line
