"""The early warning between companies: a follow-up goes to a member of the analysed company
only, and another company's users read neither it nor its figures."""

import importlib.util
from datetime import timedelta
from pathlib import Path

from odoo import Command, fields
from odoo.api import call_kw
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import AS_OF, XyzCommon

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


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


@tagged("post_install", "-at_install")
class TestFollowUpsStayInTheirCompany(EarlyWarningTrustCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a shared customer, with company 1's salesman, warned by company 1
        cls.customer = cls.customer_buying_on("Shared At Risk", [30, 60, 90], cls.salesman)
        cls.warning_run = cls.warn()
        cls.episode_1 = cls.env["crm.xyz.warning"].search(
            [("partner_id", "=", cls.customer.id), ("company_id", "=", cls.company.id)]
        )
        cls.followup = cls.episode_1.activity_id

    def test_the_follow_up_lives_on_the_episode(self):
        self.assertEqual(self.warning_run.followup_count, 1)
        self.assertEqual(
            (self.followup.res_model, self.followup.res_id, self.followup.user_id),
            ("crm.xyz.warning", self.episode_1.id, self.salesman),
        )
        self.assertIn("no order for 65 days", self.followup.summary)
        # nothing of it on the customer, which every company reads
        self.assertFalse(self.customer.activity_ids)

    def test_another_company_reads_neither_follow_up_nor_figures(self):
        for user, company in (
            (self.salesman_of_2, self.company_2),
            (self.manager_2, self.company_2),
            (self.internal_user, self.company),
        ):
            with self.subTest(user=user.login):
                # the customer itself is readable: it is shared
                self.assertTrue(
                    self.call(user, "res.partner", "read", [self.customer.ids, ["name"]], company)
                )
                found = self.call(
                    user,
                    "mail.activity",
                    "search_read",
                    [[]],
                    company=company,
                    fields=["summary", "note", "res_model", "res_id"],
                )
                self.assertNotIn(self.followup.id, [row["id"] for row in found])
                for model, ids, fields in (
                    ("mail.activity", self.followup.ids, ["summary", "note"]),
                    ("crm.xyz.warning", self.episode_1.ids, ["days_since_sale"]),
                ):
                    with self.assertRaises(AccessError):
                        self.call(user, model, "read", [ids, fields], company=company)
                # nor from the customer's chatter or activities
                [partner] = self.call(
                    user,
                    "res.partner",
                    "read",
                    [self.customer.ids, ["activity_ids", "message_ids"]],
                    company=company,
                )
                self.assertNotIn(self.followup.id, partner["activity_ids"])
        with self.assertRaises(AccessError):
            self.call(self.portal_user, "mail.activity", "read", [self.followup.ids, ["summary"]])

    def test_the_salesperson_sees_it_on_his_agenda_and_opens_the_customer(self):
        [event] = self.call(
            self.salesman,
            "crm.xyz.agenda",
            "search_read",
            [[("activity_id", "=", self.followup.id)]],
            fields=["name", "partner_id", "company_id", "res_model", "res_id", "importance"],
        )
        self.assertEqual(event["partner_id"][0], self.customer.id)
        self.assertEqual(event["company_id"][0], self.company.id)
        self.assertEqual((event["res_model"], event["res_id"]), ("res.partner", self.customer.id))
        self.assertTrue(event["name"].startswith("! Shared At Risk · At risk: no order for 65"))
        action = self.call(self.salesman, "crm.xyz.agenda", "action_open_source", [[event["id"]]])
        self.assertEqual((action["res_model"], action["res_id"]), ("res.partner", self.customer.id))
        # his own activities, as the activity menu lists them
        [mine] = self.call(
            self.salesman,
            "mail.activity",
            "search_read",
            [[("user_id", "=", self.salesman.id)]],
            fields=["summary"],
        )
        self.assertEqual(mine["id"], self.followup.id)
        # company 2 sees nothing of it, on any agenda
        self.assertFalse(
            self.call(
                self.manager_2,
                "crm.xyz.agenda",
                "search_read",
                [[("partner_id", "=", self.customer.id)]],
                company=self.company_2,
                fields=["name"],
            )
        )

    def test_done_it_counts_as_a_contact_of_its_company_only(self):
        period = (fields.Date.context_today(self.env["crm.xyz.run"]),) * 2
        report = "crm.xyz.manager.report.service"

        def contacts(company, manager):
            rows = self.call(manager, report, "get_indicators", period, company=company)
            return {row["user_id"]: row["contacts_count"] for row in rows}

        before = contacts(self.company, self.manager).get(self.salesman.id, 0)
        [event] = self.call(
            self.salesman,
            "crm.xyz.agenda",
            "search_read",
            [[("activity_id", "=", self.followup.id)]],
            fields=["name"],
        )
        self.call(self.salesman, "crm.xyz.agenda", "action_mark_done", [[event["id"]]])
        self.assertFalse(self.followup.exists())
        # the message of its done state is on the episode, read by company 1 only
        message = self.env["mail.message"].search(
            [("model", "=", "crm.xyz.warning"), ("res_id", "=", self.episode_1.id)]
        )
        self.assertTrue(message.mail_activity_type_id)
        with self.assertRaises(AccessError):
            self.call(
                self.salesman_of_2,
                "mail.message",
                "read",
                [message.ids, ["body"]],
                company=self.company_2,
            )
        self.assertEqual(contacts(self.company, self.manager)[self.salesman.id], before + 1)
        self.assertFalse(contacts(self.company_2, self.manager_2).get(self.salesman.id))

    def test_a_sales_manager_of_the_company_works_on_it(self):
        [event] = self.call(
            self.manager,
            "crm.xyz.agenda",
            "search_read",
            [[("activity_id", "=", self.followup.id)]],
            fields=["name"],
        )
        action = self.call(self.manager, "crm.xyz.agenda", "action_reschedule", [[event["id"]]])
        self.assertEqual(action["res_id"], self.followup.id)
        self.call(
            self.manager,
            "mail.activity",
            "write",
            [self.followup.ids, {"date_deadline": "2026-12-31"}],
        )
        self.call(self.manager, "crm.xyz.agenda", "action_mark_done", [[event["id"]]])
        self.assertFalse(self.followup.exists())

    def test_follow_ups_of_earlier_releases_move_to_their_episode(self):
        # as the previous release stored it: an activity of the customer
        self.env.flush_all()
        self.env.cr.execute(
            """UPDATE mail_activity
                  SET res_model = 'res.partner', res_id = %s,
                      res_model_id = (SELECT id FROM ir_model WHERE model = 'res.partner')
                WHERE id = %s""",
            [self.customer.id, self.followup.id],
        )
        self.env.invalidate_all()
        self.assertEqual(self.customer.activity_ids, self.followup)
        migration = MIGRATIONS / "18.0.3.0.0" / "post-migrate.py"
        spec = importlib.util.spec_from_file_location("crm_xyz_post_migrate_18_0_3_0_0", migration)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.migrate(self.env.cr, "18.0.2.2.0")
        self.env.invalidate_all()
        self.assertEqual(
            (self.followup.res_model, self.followup.res_id),
            ("crm.xyz.warning", self.episode_1.id),
        )
        self.assertFalse(self.customer.activity_ids)
        self.assertTrue(
            self.call(
                self.salesman,
                "crm.xyz.agenda",
                "search_read",
                [[("activity_id", "=", self.followup.id)]],
                fields=["name"],
            )
        )
