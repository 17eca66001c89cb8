"""The early warning between companies: a follow-up goes to a member of the analysed company
only, and another company's users read neither it nor its figures."""

from datetime import timedelta

from odoo import Command
from odoo.api import call_kw
from odoo.tests import new_test_user, tagged

from .common import AS_OF, XyzCommon


class EarlyWarningTrustCommon(XyzCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for company in cls.company | cls.company_2:
            company.write({"xyz_risk_factor": 2.0, "xyz_risk_min_days": 14})
        # a salesman of the second company only, and an internal user of the first one
        # without sales rights
        cls.salesman_of_2 = new_test_user(
            cls.env,
            login="xyz_salesman_of_2",
            name="Otto Other",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company_2.id,
            company_ids=[Command.set(cls.company_2.ids)],
            tz="UTC",
        )
        cls.internal_user = new_test_user(
            cls.env,
            login="xyz_internal_1",
            name="Ida Internal",
            groups="base.group_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
            tz="UTC",
        )

    @classmethod
    def customer_buying_on(cls, name, days_before, user, company=None):
        """A shared customer (no company) with `user` as its salesperson, with an order of
        `company` on each of the given days before AS_OF."""
        customer = cls.create_customer(name, user_id=user.id if user else False)
        for days in days_before:
            cls.create_order(customer, 100, AS_OF - timedelta(days=days), company=company)
        return customer

    @classmethod
    def warn(cls, company=None):
        """The runs of `company` before and once its customers bought 30, 60, 90 days
        before AS_OF have stopped: at risk on the second one."""
        cls.run_analysis(AS_OF - timedelta(days=20), company=company)
        return cls.run_analysis(AS_OF + timedelta(days=35), company=company)

    def call(self, user, model, method, args=(), company=None, **kwargs):
        self.env.invalidate_all()
        records = (
            self.env[model]
            .with_user(user)
            .with_context(allowed_company_ids=(company or self.company).ids)
        )
        return call_kw(records, method, list(args), kwargs)

    def episode(self, customer, company=None):
        return self.env["crm.xyz.warning"].search(
            [("partner_id", "=", customer.id), ("company_id", "=", (company or self.company).id)]
        )


@tagged("post_install", "-at_install")
class TestFollowUpsGoToMembers(EarlyWarningTrustCommon):
    def test_a_salesperson_of_another_company_gets_no_follow_up(self):
        ours = self.customer_buying_on("Ours", [30, 60, 90], self.salesman)
        shared = self.customer_buying_on("Shared", [30, 60, 90], self.salesman_of_2)
        no_rights = self.customer_buying_on("No Rights", [30, 60, 90], self.internal_user)
        nobody = self.customer_buying_on("Nobody's", [30, 60, 90], False)
        run = self.warn()
        # counted as customers without a salesperson, as those without one are
        self.assertEqual((run.followup_count, run.followup_unassigned_count), (1, 3))
        self.assertEqual(self.episode(ours).user_id, self.salesman)
        for customer in (shared, no_rights, nobody):
            episode = self.episode(customer)
            self.assertEqual(episode.reason, "at_risk")
            self.assertFalse(episode.user_id)
            self.assertFalse(episode.activity_id)
        # neither sees anything of company 1's warning, on his activities or his agenda
        for user, company in ((self.salesman_of_2, self.company_2), (self.salesman, self.company)):
            activities = self.call(
                user,
                "mail.activity",
                "search_read",
                [[("user_id", "=", user.id)]],
                company=company,
                fields=["summary"],
            )
            agenda = self.call(
                user,
                "crm.xyz.agenda",
                "search_read",
                [[("event_type", "=", "contact")]],
                company=company,
                fields=["partner_id", "summary"],
            )
            expected = 1 if user == self.salesman else 0
            self.assertEqual((len(activities), len(agenda)), (expected, expected), user.login)

    def test_a_member_of_both_companies_gets_each_ones_follow_up(self):
        both = new_test_user(
            self.env,
            login="xyz_salesman_both",
            name="Bea Both",
            groups="sales_team.group_sale_salesman",
            company_id=self.company.id,
            company_ids=[Command.set((self.company | self.company_2).ids)],
            tz="UTC",
        )
        customer = self.customer_buying_on("Shared by Both", [30, 60, 90], both)
        for days in (30, 60, 90):
            self.create_order(
                customer, 100, AS_OF - timedelta(days=days), company=self.company_2, user=both
            )
        self.assertEqual(self.warn().followup_count, 1)
        self.assertEqual(self.warn(self.company_2).followup_count, 1)
        self.assertEqual(
            (self.episode(customer).user_id, self.episode(customer, self.company_2).user_id),
            (both, both),
        )
