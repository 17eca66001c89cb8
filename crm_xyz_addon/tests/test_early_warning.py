"""The early warning: customers at risk, follow-ups on the agenda, customers won back."""

from datetime import datetime, timedelta

from odoo.api import call_kw
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import AS_OF, XyzCommon, won_back_counts


@tagged("post_install", "-at_install")
class TestEarlyWarning(XyzCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "xyz_risk_factor": 2.0,
                "xyz_risk_min_days": 14,
                "xyz_followup_enabled": True,
            }
        )

    # ------------------------------------------------------------------ helpers
    @classmethod
    def customer_buying_on(cls, name, days_before, user=None, amount=100, **values):
        """A customer with one order of `amount` on each of the given days before AS_OF,
        with the salesman as its salesperson unless `user` (False: none) says otherwise."""
        user = cls.salesman if user is None else user
        customer = cls.create_customer(name, user_id=user and user.id, **values)
        for days in days_before:
            cls.create_order(customer, amount, AS_OF - timedelta(days=days))
        return customer

    def figures(self, customer, company=None):
        here = customer.with_company(company or self.company)
        return (
            here.classification_typical_interval,
            here.classification_days_since_sale,
            here.classification_at_risk,
        )

    def followups(self, customer):
        """The follow-ups of the customer's episodes (they live on the episode)."""
        episodes = self.env["crm.xyz.warning"].search([("partner_id", "=", customer.id)])
        return self.env["mail.activity"].search(
            [("res_model", "=", "crm.xyz.warning"), ("res_id", "in", episodes.ids)]
        )

    # ----------------------------------------------------------- the figures
    def test_typical_interval_is_the_median_gap(self):
        # gaps 10, 20, 30 (odd: 20); gaps 10, 20, 30, 40 (even: 25)
        odd = self.customer_buying_on("Odd Gaps", [1, 11, 31, 61])
        even = self.customer_buying_on("Even Gaps", [1, 11, 31, 61, 101])
        self.run_analysis(AS_OF)
        self.assertEqual(self.figures(odd), (20.0, 1, False))
        self.assertEqual(self.figures(even)[0], 25.0)
        self.assertEqual(
            odd.with_company(self.company).classification_expected_date,
            AS_OF - timedelta(days=1) + timedelta(days=20),
        )

    def test_only_the_last_13_sale_days_count(self):
        # 12 gaps of 10 days, then older gaps of 100 days that must not count
        days = [10 * k for k in range(13)] + [220, 320, 420]
        customer = self.customer_buying_on("Long History", days)
        self.run_analysis(AS_OF)
        self.assertEqual(self.figures(customer)[0], 10.0)

    def test_at_risk_strictly_beyond_factor_times_interval(self):
        # interval 30; 60 days since the last sale is exactly 2 x 30: not at risk; 61 is
        exactly = self.customer_buying_on("Exactly Twice", [60, 90, 120])
        beyond = self.customer_buying_on("One Day More", [61, 91, 121])
        self.run_analysis(AS_OF)
        self.assertEqual(self.figures(exactly), (30.0, 60, False))
        self.assertEqual(self.figures(beyond), (30.0, 61, True))

    def test_minimum_days_and_fewer_than_three_sale_days(self):
        # 5 days since the sale, usually every 2: beyond the factor but under 14 days
        frequent = self.customer_buying_on("Frequent", [5, 7, 9])
        two_days = self.customer_buying_on("Two Sale Days", [100, 200])
        self.run_analysis(AS_OF)
        self.assertEqual(self.figures(frequent), (2.0, 5, False))
        self.assertEqual(self.figures(two_days), (0.0, 100, False))
        self.assertFalse(two_days.with_company(self.company).classification_expected_date)

    def test_sale_days_are_the_company_local_dates(self):
        self.company.partner_id.tz = "Asia/Tokyo"  # UTC+9
        customer = self.create_customer("Tokyo", user_id=self.salesman.id)
        day = AS_OF - timedelta(days=30)
        # 20:00 UTC on one day and 02:00 UTC the next are the same Tokyo day
        self.create_order(
            customer, 100, datetime.combine(day, datetime.min.time()) + timedelta(hours=20)
        )
        self.create_order(
            customer, 100, datetime.combine(day, datetime.min.time()) + timedelta(hours=26)
        )
        self.create_order(
            customer, 100, datetime.combine(day, datetime.min.time()) - timedelta(days=10)
        )
        self.create_order(
            customer, 100, datetime.combine(day, datetime.min.time()) - timedelta(days=20)
        )
        self.run_analysis(AS_OF)
        # Tokyo sale days: day - 20, day - 10, day + 1 (twice): gaps 10 and 11
        self.assertEqual(self.figures(customer)[0], 10.5)

    # ---------------------------------------------------------- the follow-ups
    def test_follow_up_once_per_episode(self):
        customer = self.customer_buying_on("Drifting", [30, 60, 90])
        self.run_analysis(AS_OF - timedelta(days=20))  # last sale 10 days before: fine
        self.assertFalse(self.figures(customer)[2])
        run = self.run_analysis(AS_OF + timedelta(days=35))  # 65 days: at risk
        self.assertTrue(self.figures(customer)[2])
        [activity] = self.followups(customer)
        self.assertEqual(run.followup_count, 1)
        self.assertEqual(
            (activity.user_id, activity.date_deadline, activity.importance),
            (self.salesman, AS_OF + timedelta(days=35), "high"),
        )
        self.assertIn("usually every 30", activity.summary)
        # a rerun, and the next day while the episode goes on: nothing new
        self.run_analysis(AS_OF + timedelta(days=35))
        self.run_analysis(AS_OF + timedelta(days=36))
        self.assertEqual(len(self.followups(customer)), 1)
        # the customer buys again: the episode ends, won back by its salesperson
        activity.action_feedback(feedback="Called")
        self.create_order(customer, 100, AS_OF + timedelta(days=37))
        self.run_analysis(AS_OF + timedelta(days=37))
        warning = self.env["crm.xyz.warning"].search([("partner_id", "=", customer.id)])
        self.assertEqual(
            (warning.end_reason, warning.won_back_date, warning.won_back_user_id),
            ("sale", AS_OF + timedelta(days=37), self.salesman),
        )
        # a new episode, a new follow-up
        self.run_analysis(AS_OF + timedelta(days=37 + 65))
        self.assertEqual(len(self.followups(customer)), 1)
        self.assertEqual(
            self.env["crm.xyz.warning"].search_count([("partner_id", "=", customer.id)]), 2
        )

    def test_stage_down_schedules_a_follow_up(self):
        customer = self.customer_buying_on("Slipping", [10, 40, 70])
        self.run_analysis(AS_OF)
        self.assertEqual(customer.with_company(self.company).relationship_stage_auto, "regular")
        # a year later the sales fall out of the window one by one
        self.run_analysis(AS_OF + timedelta(days=300))
        activity = self.followups(customer)
        self.assertEqual(len(activity), 1)
        self.assertIn("Stage down", activity.summary)

    def test_no_salesperson_is_counted_not_scheduled(self):
        self.customer_buying_on("Nobody's", [30, 60, 90], user=False)
        self.run_analysis(AS_OF - timedelta(days=20))
        run = self.run_analysis(AS_OF + timedelta(days=35))
        self.assertEqual((run.followup_count, run.followup_unassigned_count), (0, 1))

    def test_turned_off(self):
        self.company.xyz_followup_enabled = False
        customer = self.customer_buying_on("Unwatched", [30, 60, 90])
        self.run_analysis(AS_OF - timedelta(days=20))
        self.run_analysis(AS_OF + timedelta(days=35))
        self.assertTrue(self.figures(customer)[2])  # the figures still say so
        self.assertFalse(self.followups(customer))
        self.assertFalse(self.env["crm.xyz.warning"].search([("partner_id", "=", customer.id)]))

    def test_won_back_by_the_salesperson_at_the_sale(self):
        customer = self.customer_buying_on("Reassigned", [30, 60, 90])
        self.run_analysis(AS_OF - timedelta(days=20))
        self.run_analysis(AS_OF + timedelta(days=35))
        customer.user_id = self.salesman_2
        self.create_order(customer, 100, AS_OF + timedelta(days=40), user=self.salesman_2)
        self.run_analysis(AS_OF + timedelta(days=40))
        counts = won_back_counts(self.env, self.company, AS_OF, AS_OF + timedelta(days=60))
        self.assertEqual(counts, {self.salesman_2.id: 1})

    def test_a_salesman_sees_his_follow_ups(self):
        mine = self.customer_buying_on("Mine", [30, 60, 90])
        theirs = self.customer_buying_on("Theirs", [30, 60, 90], user=self.salesman_2)
        self.run_analysis(AS_OF - timedelta(days=20))
        self.run_analysis(AS_OF + timedelta(days=35))
        self.env.invalidate_all()
        found = call_kw(
            self.env["mail.activity"].with_user(self.salesman),
            "search_read",
            [[("user_id", "=", self.salesman.id), ("res_model", "=", "crm.xyz.warning")]],
            {"fields": ["res_id", "summary"]},
        )
        episodes = self.env["crm.xyz.warning"].browse([row["res_id"] for row in found])
        self.assertEqual(episodes.partner_id, mine)
        self.assertNotIn(theirs, episodes.partner_id)

    # ------------------------------------ the first analysis, and the nightly cap
    def test_the_first_analysis_warns_about_every_customer_at_risk(self):
        # usually every 30 days, none for 70: at risk from the very first analysis
        customer = self.customer_buying_on("Quiet Since Long", [70, 100, 130])
        run = self.run_analysis(AS_OF)
        self.assertTrue(self.figures(customer)[2])
        [activity] = self.followups(customer)
        self.assertEqual(
            (activity.user_id, activity.date_deadline, activity.importance),
            (self.salesman, AS_OF, "high"),
        )
        self.assertIn("no order for 70 days, usually every 30", activity.summary)
        self.assertEqual((run.followup_count, run.followup_waiting_count), (1, 0))
        # a rerun and the next nights schedule nothing more for the episode
        self.assertEqual(self.run_analysis(AS_OF).followup_count, 0)
        self.assertEqual(self.run_analysis(AS_OF + timedelta(days=1)).followup_count, 0)
        self.assertEqual(len(self.followups(customer)), 1)
        self.assertEqual(
            self.env["crm.xyz.warning"].search_count([("partner_id", "=", customer.id)]), 1
        )

    def test_new_follow_ups_are_capped_per_salesperson_most_valuable_first(self):
        self.company.xyz_followup_cap = 2
        at_risk = [70, 100, 130]
        big = self.customer_buying_on("Big", at_risk, amount=1000)
        middle = self.customer_buying_on("Middle", at_risk, amount=300)
        small = self.customer_buying_on("Small", at_risk, amount=100)
        other = self.customer_buying_on("Sally's", at_risk, user=self.salesman_2)
        # the largest amount, but a sales manager put it in class C: the ABC class comes first
        big.with_company(self.company).with_user(self.manager).abc_class_manual = "C"
        run = self.run_analysis(AS_OF)
        self.assertEqual(
            [bool(self.followups(customer)) for customer in (big, middle, small, other)],
            [False, True, True, True],
        )
        self.assertEqual((run.followup_count, run.followup_waiting_count), (3, 1))
        # the waiting one stays flagged, and the next night schedules it
        self.assertTrue(self.figures(big)[2])
        night = self.run_analysis(AS_OF + timedelta(days=1))
        [activity] = self.followups(big)
        self.assertEqual(activity.date_deadline, AS_OF + timedelta(days=1))
        self.assertIn("no order for 71 days", activity.summary)
        self.assertEqual((night.followup_count, night.followup_waiting_count), (1, 0))
        self.assertEqual(len(self.followups(middle)), 1)

    def test_a_waiting_customer_that_buys_again_gets_no_follow_up(self):
        self.company.xyz_followup_cap = 1
        first = self.customer_buying_on("First", [70, 100, 130], amount=500)
        second = self.customer_buying_on("Second", [70, 100, 130], amount=100)
        run = self.run_analysis(AS_OF)
        self.assertEqual((run.followup_count, run.followup_waiting_count), (1, 1))
        self.assertTrue(self.followups(first))
        self.create_order(second, 100, AS_OF + timedelta(days=1))
        night = self.run_analysis(AS_OF + timedelta(days=1))
        self.assertEqual((night.followup_count, night.followup_waiting_count), (0, 0))
        self.assertFalse(self.followups(second))
        warning = self.env["crm.xyz.warning"].search([("partner_id", "=", second.id)])
        self.assertEqual((warning.end_reason, warning.followup_date), ("sale", False))

    def test_no_cap(self):
        self.company.xyz_followup_cap = 0
        customers = [
            self.customer_buying_on(f"Quiet {index}", [70, 100, 130]) for index in range(3)
        ]
        run = self.run_analysis(AS_OF)
        self.assertEqual((run.followup_count, run.followup_waiting_count), (3, 0))
        self.assertTrue(all(self.followups(customer) for customer in customers))

    def test_the_cap_is_a_setting_of_the_sales_managers(self):
        Settings = self.env["crm.xyz.classification.settings"].with_user(self.manager)
        wizard = Settings.create({})
        self.assertEqual(wizard.xyz_followup_cap, 20)
        wizard.xyz_followup_cap = 5
        wizard.action_save()
        self.assertEqual(self.company.xyz_followup_cap, 5)
        for cap in (-1, 10_001):
            with self.assertRaisesRegex(ValidationError, "between 0 and 10000"):
                Settings.create({"xyz_followup_cap": cap}).action_save()
        with self.assertRaises(AccessError):
            call_kw(
                self.env["crm.xyz.classification.settings"].with_user(self.salesman),
                "create",
                [{"xyz_followup_cap": 0}],
                {},
            )

    def test_a_salesperson_with_follow_ups_can_be_deleted(self):
        # her customer, whose orders another salesman took (she has no sales of her own)
        customer = self.customer_buying_on("Won Back", [70, 100, 130], user=self.salesman_2)
        self.run_analysis(AS_OF)
        self.create_order(customer, 100, AS_OF + timedelta(days=1))
        self.run_analysis(AS_OF + timedelta(days=1))
        # won back by her, her follow-up still open: two keys of the episode to her, and one
        # to an activity that goes with her
        warning = self.env["crm.xyz.warning"].search([("partner_id", "=", customer.id)])
        self.assertEqual(
            (warning.user_id, warning.won_back_user_id, warning.activity_id.user_id),
            (self.salesman_2, self.salesman_2, self.salesman_2),
        )
        self.salesman_2.unlink()
        self.env.invalidate_all()
        self.assertEqual(
            (warning.user_id, warning.won_back_user_id, warning.activity_id, warning.end_reason),
            (self.env["res.users"], self.env["res.users"], self.env["mail.activity"], "sale"),
        )

    # ------------------------------------------------------------ the portfolio
    def test_portfolio_cells_by_hand(self):
        self.customer_buying_on("Steady A", [10, 40, 70, 100])  # 400, regular
        self.customer_buying_on("Small", [10])  # 100, one-off
        self.run_analysis(AS_OF)
        groups = self.env["crm.xyz.portfolio"].read_group(
            [("company_id", "=", self.company.id), ("portfolio_row", "=", "A")],
            ["amount_share:sum", "at_risk_count:sum"],
            ["portfolio_row"],
        )
        [cell] = groups
        self.assertEqual(cell["portfolio_row"], "A")
        # 400 of 500 in the window, not at risk
        self.assertAlmostEqual(cell["amount_share"], 80.0, places=4)
        self.assertEqual(cell["at_risk_count"], 0)
