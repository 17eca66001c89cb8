from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestMenusTour(HttpCase):
    """The addon's menus open in a real browser for a salesman and a sales manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.ref("base.main_company")
        cls.salesman = new_test_user(
            cls.env,
            login="xyz_tour_salesman",
            name="Tour Salesman",
            groups="sales_team.group_sale_salesman",
            company_id=company.id,
        )
        cls.manager = new_test_user(
            cls.env,
            login="xyz_tour_manager",
            name="Tour Manager",
            groups="sales_team.group_sale_manager,base.group_partner_manager",
            company_id=company.id,
        )
        customer = cls.env["res.partner"].create(
            {
                "name": "Smoke Customer",
                "is_company": True,
                "user_id": cls.salesman.id,
            }
        )
        product = cls.env["product.product"].create({"name": "Smoke Service", "type": "service"})
        today = fields.Date.context_today(cls.env["res.partner"])
        for months in range(4):
            order = cls.env["sale.order"].create(
                {
                    "partner_id": customer.id,
                    "user_id": cls.salesman.id,
                    "order_line": [Command.create({"product_id": product.id, "price_unit": 100})],
                }
            )
            order.action_confirm()
            order.date_order = datetime.combine(today - relativedelta(months=months), time(9))
        cls.env["crm.xyz.run"].with_company(company).run_analysis()

    def test_salesman_menus(self):
        self.start_tour("/odoo", "crm_xyz_salesman_menus", login="xyz_tour_salesman")

    def test_manager_menus(self):
        self.start_tour("/odoo", "crm_xyz_manager_menus", login="xyz_tour_manager")
