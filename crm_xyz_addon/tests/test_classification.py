from datetime import date

from dateutil.relativedelta import relativedelta

from odoo.tests import tagged

from .common import AS_OF, XyzCommon


@tagged("post_install", "-at_install")
class TestClassificationStages(XyzCommon):
    def test_regular_one_off_lost_potential(self):
        regular = self.create_customer("Regular")
        one_off = self.create_customer("One-off")
        lost = self.create_customer("Lost")
        prospect = self.create_customer("Prospect")
        for months in range(3):
            self.create_order(regular, 100, AS_OF - relativedelta(months=months))
        self.create_order(one_off, 50, AS_OF)
        self.create_order(lost, 70, AS_OF - relativedelta(months=13))
        self.env["crm.lead"].create({"name": "Deal", "partner_id": prospect.id,
                                     "company_id": self.company.id})
        run = self.run_analysis(AS_OF)
        self.assertEqual(run.state, "done")
        partners = (regular | one_off | lost | prospect).with_company(self.company)
        self.assertEqual(partners.mapped("relationship_stage_auto"),
                         ["regular", "one_off", "lost", "potential"])
        self.assertEqual(regular.with_company(self.company).classification_amount, 300)
