from datetime import date, datetime, timedelta

from odoo.tests import tagged
from odoo.tools import SQL

from ..tools import classification_query, report_summaries
from .common import XyzCommon

DAY = date(2024, 3, 14)


@tagged("post_install", "-at_install")
class TestCustomerSaleDays(XyzCommon):
    """The sale days the database keeps per customer (retention of the manager report)
    stay what the documents say, however the documents change: each check compares
    the kept rows of both companies with the rows a rebuild from the documents gives,
    and the windows read from them with the classification's own query."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.create_customer("XYZ Days Customer")
        cls.contact = cls.env["res.partner"].create(
            {"name": "Dora Days", "parent_id": cls.customer.id}
        )
        cls.other_customer = cls.create_customer("XYZ Days Other")

    def kept_rows(self):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT company_id, source, partner_id, sale_days::text FROM %s
                    WHERE company_id = ANY(%s) ORDER BY 1, 2, 3""",
                SQL.identifier(report_summaries.SALE_DAYS_TABLE),
                [self.company.id, self.company_2.id],
            )
        )
        return self.env.cr.fetchall()

    def assertKeptAsDocumentsSay(self):
        """The rows kept so far equal those of a rebuild (rolled back)."""
        kept = self.kept_rows()
        with self.env.cr.savepoint(flush=False) as savepoint:
            report_summaries.rebuild_sale_days(self.env.cr, [self.company.id, self.company_2.id])
            rebuilt = self.kept_rows()
            savepoint.rollback()
        self.assertEqual(kept, rebuilt)
        return kept

    def sale_days(self, customer, source="order", company=None):
        company = company or self.company
        return [
            days
            for company_id, row_source, partner_id, days in self.kept_rows()
            if (company_id, row_source, partner_id) == (company.id, source, customer.id)
        ]

    def windows(self, source, first_floor, first_last, second_floor, as_of):
        """The windows of every customer: read from the kept sale days, and from the
        documents by the classification's query."""
        tz = self.company.partner_id.tz or "UTC"
        params = {
            "company_id": self.company.id,
            "source": source,
            "start_window_floor": first_floor,
            "start_as_of": first_last,
            "end_window_floor": second_floor,
            "date_to": as_of,
        }
        self.env.flush_all()
        self.env.cr.execute(report_summaries.customer_windows(params))
        kept = sorted(self.env.cr.fetchall())

        def utc(day):
            return classification_query.company_day_start_utc(day, tz)

        self.env.cr.execute(
            SQL(
                classification_query.company_customer_windows(source),
                company_id=self.company.id,
                first_floor=first_floor,
                first_last=first_last,
                second_floor=second_floor,
                as_of=as_of,
                first_start_utc=utc(first_floor + timedelta(days=1)),
                first_end_utc=utc(first_last + timedelta(days=1)),
                second_start_utc=utc(second_floor + timedelta(days=1)),
                cutoff_utc=utc(as_of + timedelta(days=1)),
            )
        )
        from_documents = sorted(self.env.cr.fetchall())
        self.assertEqual(kept, from_documents)
        return kept

    def test_orders(self):
        order = self.create_order(self.contact, 100, DAY)
        self.create_order(self.contact, 50, DAY + timedelta(days=1))
        self.create_order(self.customer, 70, DAY + timedelta(days=10))
        quotation = self.create_order(self.customer, 30, DAY + timedelta(days=20), confirm=False)
        self.assertKeptAsDocumentsSay()
        # the contact's orders count for its company; adjacent days make one range
        self.assertEqual(
            self.sale_days(self.customer), ["{[2024-03-14,2024-03-16),[2024-03-24,2024-03-25)}"]
        )
        self.assertEqual(
            self.windows("order", DAY - timedelta(days=30), DAY, DAY, DAY + timedelta(days=30)),
            [(self.customer.id, True, True)],
        )
        # a quotation confirmed, an order moved, another cancelled
        quotation.action_confirm()
        quotation.date_order = datetime(2024, 4, 3, 12)
        order.date_order = datetime(2024, 3, 1, 12)
        self.create_order(self.customer, 10, DAY + timedelta(days=2))._action_cancel()
        self.assertEqual(
            self.sale_days(self.customer),
            [
                "{[2024-03-01,2024-03-02),[2024-03-15,2024-03-16),[2024-03-24,2024-03-25),"
                "[2024-04-03,2024-04-04)}"
            ],
        )
        self.assertKeptAsDocumentsSay()
        self.assertEqual(
            self.windows(
                "order",
                date(2024, 2, 1),
                date(2024, 3, 10),
                date(2024, 3, 20),
                DAY.replace(month=5),
            ),
            [(self.customer.id, True, True)],
        )
        # an order moved to another customer, and to the other company
        order.partner_id = self.other_customer
        self.assertKeptAsDocumentsSay()
        self.assertEqual(self.sale_days(self.other_customer), ["{[2024-03-01,2024-03-02)}"])
        order._action_cancel()
        self.assertEqual(self.sale_days(self.other_customer), [])
        self.create_order(self.other_customer, 10, DAY, company=self.company_2, user=self.manager_2)
        self.assertKeptAsDocumentsSay()
        self.assertTrue(self.sale_days(self.other_customer, company=self.company_2))

    def test_contacts_moving_and_merging(self):
        self.create_order(self.contact, 100, DAY)
        self.create_order(self.other_customer, 40, DAY + timedelta(days=5))
        # the contact moves to the other customer with its orders
        self.contact.parent_id = self.other_customer
        self.assertEqual(self.sale_days(self.customer), [])
        self.assertEqual(
            self.sale_days(self.other_customer),
            ["{[2024-03-14,2024-03-15),[2024-03-19,2024-03-20)}"],
        )
        self.assertKeptAsDocumentsSay()
        # ... becomes a customer of its own
        self.contact.write({"parent_id": False, "is_company": True})
        self.assertEqual(self.sale_days(self.contact), ["{[2024-03-14,2024-03-15)}"])
        self.assertKeptAsDocumentsSay()
        # ... and is merged into the first customer
        wizard = self.env["base.partner.merge.automatic.wizard"].create({})
        wizard._merge((self.contact | self.customer).ids, self.customer)
        self.assertEqual(self.sale_days(self.customer), ["{[2024-03-14,2024-03-15)}"])
        self.assertKeptAsDocumentsSay()

    def test_company_time_zone(self):
        """The local day of an order follows the company's time zone."""
        self.create_order(self.customer, 100, datetime(2024, 3, 14, 22, 30))
        self.assertEqual(self.sale_days(self.customer), ["{[2024-03-14,2024-03-15)}"])
        self.company.partner_id.tz = "Europe/Moscow"
        self.assertEqual(self.sale_days(self.customer), ["{[2024-03-15,2024-03-16)}"])
        self.assertKeptAsDocumentsSay()
        self.windows(
            "order", date(2024, 3, 1), date(2024, 3, 14), date(2024, 3, 14), date(2024, 3, 31)
        )

    def test_invoices(self):
        invoice = self.create_invoice(self.contact, 100, DAY)
        self.create_invoice(self.customer, 30, DAY + timedelta(days=3), refund=True)
        draft = self.create_invoice(self.customer, 20, DAY + timedelta(days=7), post=False)
        # a credit note makes no sale day, nor does a draft
        self.assertEqual(self.sale_days(self.customer, "invoice"), ["{[2024-03-14,2024-03-15)}"])
        self.assertKeptAsDocumentsSay()
        draft.action_post()
        invoice.button_draft()
        self.assertEqual(self.sale_days(self.customer, "invoice"), ["{[2024-03-21,2024-03-22)}"])
        invoice.invoice_date = DAY - timedelta(days=1)
        invoice.action_post()
        draft.button_draft()
        draft.button_cancel()
        self.assertEqual(self.sale_days(self.customer, "invoice"), ["{[2024-03-13,2024-03-14)}"])
        self.assertKeptAsDocumentsSay()
        self.assertEqual(
            self.windows(
                "invoice", date(2024, 3, 1), date(2024, 3, 13), date(2024, 3, 13), date(2024, 3, 31)
            ),
            [(self.customer.id, True, False)],
        )


@tagged("post_install", "-at_install")
class TestReportCustomers(XyzCommon):
    """The row the database keeps per customer (salesperson, company, active flag and
    contact data, for the manager report) stays what the partners say: each check
    compares every row with a rebuild."""

    def kept(self):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT partner_id, company_id, user_id, active, contact_data
                     FROM %s ORDER BY partner_id""",
                SQL.identifier(report_summaries.CUSTOMER_TABLE),
            )
        )
        return {partner_id: values for partner_id, *values in self.env.cr.fetchall()}

    def assertKept(self, customer, expected):
        kept = self.kept()
        with self.env.cr.savepoint(flush=False) as savepoint:
            report_summaries.rebuild_customers(self.env.cr)
            rebuilt = self.kept()
            savepoint.rollback()
        self.assertEqual(kept, rebuilt)
        self.assertEqual(kept[customer.id][-1], expected)
        return kept[customer.id]

    def test_contact_data_follows_the_partners(self):
        email, phone, address = (
            report_summaries.CONTACT_DATA_EMAIL,
            report_summaries.CONTACT_DATA_PHONE,
            report_summaries.CONTACT_DATA_ADDRESS,
        )
        customer = self.create_customer("XYZ Data Customer", email="data@example.com")
        self.assertKept(customer, email)
        contact = self.env["res.partner"].create(
            {"name": "Dan Data", "parent_id": customer.id, "mobile": "+1 555 0100"}
        )
        self.assertKept(customer, email | phone)
        # an address needs a street, a city and a country
        customer.write({"street": "1 Main St", "city": "Springfield"})
        self.assertKept(customer, email | phone)
        customer.country_id = self.env.ref("base.us")
        self.assertKept(customer, email | phone | address)
        customer.email = "  "
        self.assertKept(customer, phone | address)
        # an archived contact no longer counts; nor a contact moved elsewhere
        contact.active = False
        self.assertKept(customer, address)
        contact.active = True
        other = self.create_customer("XYZ Data Other")
        contact.parent_id = other
        self.assertKept(customer, address)
        # (the contact keeps the address it took from its former company)
        self.assertKept(other, phone | address)
        contact.unlink()
        self.assertKept(other, 0)
        # the customer's salesperson, company and active flag
        customer.write({"user_id": self.salesman.id, "company_id": self.company.id})
        self.assertEqual(
            self.assertKept(customer, address)[:3], [self.company.id, self.salesman.id, True]
        )
        # archived: no customer of the report (nor its own data)
        customer.active = False
        self.assertFalse(self.assertKept(customer, 0)[2])
        # a customer that becomes a contact is no longer a customer, and back
        customer.write({"active": True, "parent_id": other.id, "is_company": False})
        self.assertNotIn(customer.id, self.kept())
        self.assertKept(other, address)
        customer.write({"parent_id": False, "is_company": True})
        self.assertKept(customer, address)
        self.assertKept(other, 0)
        customer.unlink()
        self.assertNotIn(customer.id, self.kept())


@tagged("post_install", "-at_install")
class TestDailySales(XyzCommon):
    """The sales the database keeps per salesperson and local day (orders, revenue and
    profit of the manager report) stay what the orders say: each check compares the
    rows of both companies with a rebuild from the orders (a day left without orders
    keeps a row of zeros, which a rebuild does not make)."""

    def kept(self):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT company_id, user_id, day, order_count, completed_count, revenue, profit
                     FROM %s WHERE company_id = ANY(%s) AND order_count > 0
                    ORDER BY 1, 2, 3""",
                SQL.identifier(report_summaries.DAILY_SALES_TABLE),
                [self.company.id, self.company_2.id],
            )
        )
        return self.env.cr.fetchall()

    def assertKeptAsOrdersSay(self):
        kept = self.kept()
        with self.env.cr.savepoint(flush=False) as savepoint:
            report_summaries.rebuild_daily_sales(self.env.cr, [self.company.id, self.company_2.id])
            rebuilt = self.kept()
            savepoint.rollback()
        self.assertEqual(kept, rebuilt)
        return {(user_id, day): values for _company, user_id, day, *values in kept}

    def test_daily_sales_follow_the_orders(self):
        customer = self.create_customer("XYZ Daily Customer")
        first = self.create_order(customer, 100, DAY, cost=60)
        self.create_order(customer, 50, datetime(2024, 3, 14, 23, 30), cost=10)
        euro = self.create_order(customer, 200, DAY, pricelist=self.eur_pricelist)
        kept = self.assertKeptAsOrdersSay()
        # EUR at 2.0: 100 in company currency; margins 40 + 40 + 200 / 2
        self.assertEqual(kept[(self.salesman.id, DAY)][:2], [3, 0])
        self.assertEqual(float(kept[(self.salesman.id, DAY)][2]), 250.0)
        # a later day in another time zone, another salesperson, a cancelled order
        self.company.partner_id.tz = "Europe/Moscow"
        kept = self.assertKeptAsOrdersSay()
        self.assertEqual(kept[(self.salesman.id, DAY)][0], 2)
        self.assertEqual(kept[(self.salesman.id, DAY + timedelta(days=1))][0], 1)
        first.user_id = self.salesman_2
        euro._action_cancel()
        kept = self.assertKeptAsOrdersSay()
        self.assertEqual(kept[(self.salesman_2.id, DAY)][:3], [1, 0, 100])
        self.assertNotIn((self.salesman.id, DAY), kept)
        # completed, moved to another day, deleted
        self.env.flush_all()
        self.env.cr.execute(
            SQL("UPDATE sale_order SET xyz_completed = TRUE WHERE id = %s", first.id)
        )
        self.assertEqual(self.assertKeptAsOrdersSay()[(self.salesman_2.id, DAY)][1], 1)
        first.date_order = datetime(2024, 2, 1, 12)
        kept = self.assertKeptAsOrdersSay()
        self.assertIn((self.salesman_2.id, date(2024, 2, 1)), kept)
        self.assertNotIn((self.salesman_2.id, DAY), kept)
        euro.unlink()
        first._action_cancel()
        self.assertNotIn((self.salesman_2.id, date(2024, 2, 1)), self.assertKeptAsOrdersSay())
        # in the other company; its currency rounded to more places
        self.create_order(customer, 33.333, DAY, company=self.company_2, user=self.manager_2)
        self.company_2.currency_id.rounding = 0.001
        self.assertKeptAsOrdersSay()
