from datetime import date, datetime, time

from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class XyzCommon(AccountTestInvoicingCommon):
    """A company of its own (with a chart of accounts), its users and document helpers.

    The demo data of the database lives in other companies, so every figure
    computed here comes from the documents the test creates.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.partner_id.tz = "UTC"
        cls.company_2 = cls.setup_other_company(name="XYZ Second Company")["company"]
        cls.env.user.company_ids = [Command.link(cls.company_2.id)]
        cls.salesman = new_test_user(
            cls.env,
            login="xyz_salesman",
            name="Sam Salesman",
            email="sam@example.com",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
            tz="UTC",
        )
        cls.salesman_2 = new_test_user(
            cls.env,
            login="xyz_salesman_2",
            name="Sally Salesman",
            email="sally@example.com",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
            tz="UTC",
        )
        cls.manager = new_test_user(
            cls.env,
            login="xyz_manager",
            name="Mia Manager",
            email="mia@example.com",
            groups="sales_team.group_sale_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
            tz="UTC",
        )
        cls.manager_2 = new_test_user(
            cls.env,
            login="xyz_manager_2",
            name="Max Manager",
            email="max@example.com",
            groups="sales_team.group_sale_manager",
            company_id=cls.company_2.id,
            company_ids=[Command.set(cls.company_2.ids)],
            tz="UTC",
        )
        cls.portal_user = new_test_user(
            cls.env,
            login="xyz_portal",
            name="Paul Portal",
            email="paul@example.com",
            groups="base.group_portal",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.eur = cls.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        cls.eur_pricelist = cls.env["product.pricelist"].create(
            {
                "name": "XYZ EUR",
                "currency_id": cls.eur.id,
                "company_id": cls.company.id,
            }
        )
        cls.sold_product = cls.env["product.product"].create(
            {
                "name": "XYZ Service",
                "type": "service",
                "list_price": 100.0,
                "standard_price": 60.0,
                "taxes_id": [Command.clear()],
                "invoice_policy": "order",
            }
        )

    @classmethod
    def create_customer(cls, name, **values):
        return cls.env["res.partner"].create({"name": name, "is_company": True, **values})

    @classmethod
    def create_order(
        cls, partner, amount, when, confirm=True, pricelist=None, company=None, user=None, cost=None
    ):
        """A sale order of one line worth `amount` (untaxed) dated `when`."""
        company = company or cls.company
        when = when if isinstance(when, datetime) else datetime.combine(when, time(12, 0))
        order = (
            cls.env["sale.order"]
            .with_company(company)
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "user_id": (user or cls.salesman).id,
                    "pricelist_id": pricelist.id if pricelist else False,
                    "date_order": when,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": cls.sold_product.id,
                                "product_uom_qty": 1,
                                "price_unit": amount,
                                "purchase_price": cost if cost is not None else 0.0,
                                "tax_id": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        if confirm:
            order.action_confirm()
            # confirming stamps the current time: put the order back on its date
            order.date_order = when
        return order

    @classmethod
    def create_invoice(cls, partner, amount, when, refund=False, currency=None, post=True):
        move = cls.env["account.move"].create(
            {
                "move_type": "out_refund" if refund else "out_invoice",
                "partner_id": partner.id,
                "invoice_date": when,
                "date": when,
                "currency_id": (currency or cls.company.currency_id).id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": cls.sold_product.id,
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        if post:
            move.action_post()
        return move

    @classmethod
    def create_goods_product(cls, name="XYZ Goods", price=50.0):
        """Goods (delivered, invoiced on delivered quantities), no taxes."""
        return cls.env["product.product"].create(
            {
                "name": name,
                "type": "consu",
                "list_price": price,
                "standard_price": price / 2,
                "taxes_id": [Command.clear()],
                "invoice_policy": "delivery",
            }
        )

    @classmethod
    def create_activity(
        cls, record, deadline, user=None, importance="normal", summary=False, activity_type=None
    ):
        """An activity on `record` assigned to `user` (the salesman by default)."""
        return cls.env["mail.activity"].create(
            {
                "res_model_id": cls.env["ir.model"]._get(record._name).id,
                "res_id": record.id,
                "activity_type_id": (
                    activity_type or cls.env.ref("mail.mail_activity_data_call")
                ).id,
                "summary": summary,
                "date_deadline": deadline,
                "user_id": (user or cls.salesman).id,
                "importance": importance,
            }
        )

    @classmethod
    def run_analysis(cls, as_of, company=None):
        """The run record (run_analysis itself returns plain data, and refuses future dates)."""
        return cls.env["crm.xyz.run"]._run_analysis(company or cls.company, as_of)


AS_OF = date(2026, 6, 30)


def won_back_counts(env, company, date_from, date_to):
    """{user id: customers won back} over the period, for the salesperson at the sale,
    counted from the early-warning episodes themselves (what the report must match)."""
    groups = env["crm.xyz.warning"]._read_group(
        [
            ("company_id", "=", company.id),
            ("end_reason", "=", "sale"),
            ("won_back_date", ">=", date_from),
            ("won_back_date", "<=", date_to),
        ],
        ["won_back_user_id"],
        ["partner_id:count_distinct"],
    )
    return {user.id: count for user, count in groups if user}
