import random
from datetime import date

import pytz
from dateutil.relativedelta import relativedelta

from odoo.tests import TransactionCase, tagged

from odoo.addons.crm_xyz_addon.tools import classification as calc

from ..models.crm_xyz_demo import SALESPEOPLE
from ..tools import demo_plan


@tagged("post_install", "-at_install")
class TestDemoPlan(TransactionCase):
    """The plan behind the demo data, without the database."""

    def test_plan_is_deterministic(self):
        day = date(2024, 2, 29)
        first, second = demo_plan.build_plan(7, day), demo_plan.build_plan(7, day)
        self.assertEqual(first, second)
        self.assertNotEqual(first, demo_plan.build_plan(8, day))

    def test_order_dates_fall_in_their_sub_period(self):
        """An order m months ago lies in sub-period m+1 as of the day and in sub-period m-2
        as of three months earlier, at month ends too: the demo's classes depend on it."""
        rng = random.Random(1)
        for day in (
            date(2025, 3, 31),
            date(2024, 2, 29),
            date(2025, 5, 31),
            date(2024, 12, 31),
            date(2025, 1, 1),
        ):
            bounds = calc.period_bounds(day, "month", demo_plan.HISTORY_MONTHS)
            earlier = calc.period_bounds(
                day - relativedelta(months=3), "month", demo_plan.HISTORY_MONTHS
            )
            for months_ago in range(demo_plan.HISTORY_MONTHS):
                for _attempt in range(20):
                    when = demo_plan.order_date(day, months_ago, rng)
                    self.assertTrue(bounds[months_ago + 1] < when <= bounds[months_ago])
                    if months_ago >= 3:
                        self.assertTrue(earlier[months_ago - 2] < when <= earlier[months_ago - 3])

    def test_plan_has_every_pattern(self):
        plan = demo_plan.build_plan(3, date(2025, 6, 15))
        self.assertGreaterEqual(len(plan), 60)
        self.assertEqual({c.pattern for c in plan}, set(demo_plan.PATTERN_COUNTS))
        self.assertEqual({c.salesperson for c in plan}, set(range(demo_plan.SALESPERSON_COUNT)))
        self.assertTrue(any(c.eur for c in plan))
        self.assertTrue(any(c.late_payer for c in plan))


@tagged("post_install", "-at_install")
class TestDemoData(TransactionCase):
    """What the generated demo data must show: checked in the database installed with demo."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("base.main_company")
        cls.salespeople = cls.env["res.users"].concat(
            *(
                cls.env.ref(xmlid, raise_if_not_found=False) or cls.env["res.users"]
                for xmlid in SALESPEOPLE
            )
        )
        # the day the data was generated: the date of the last analysis it ran
        cls.load_day = cls.company.xyz_last_run_id.date

    def setUp(self):
        super().setUp()
        module = self.env["ir.module.module"].search([("name", "=", "crm_xyz_addon_demo")])
        if not module.demo:
            self.skipTest("the database has no demo data")

    def customers(self):
        return self.env["res.partner"].search(
            [
                ("is_company", "=", True),
                ("user_id", "in", self.salespeople.ids),
            ]
        )

    def test_salespeople(self):
        self.assertGreaterEqual(len(self.salespeople), 4)
        self.assertTrue(
            all(self.salespeople.mapped(lambda u: u.has_group("sales_team.group_sale_salesman")))
        )
        managers = self.salespeople.filtered(lambda u: u.has_group("sales_team.group_sale_manager"))
        self.assertTrue(managers)
        self.assertLess(len(managers), len(self.salespeople))
        customers = self.customers()
        for user in self.salespeople:
            self.assertTrue(user.tz)
            self.assertIn(self.company, user.company_ids)
            self.assertTrue(
                customers.filtered(lambda p, user=user: p.user_id == user),
                f"{user.login} has no customers",
            )
            # the documented credentials: the login is the password
            user.with_user(user)._check_credentials(
                {"login": user.login, "password": user.login, "type": "password"},
                {"interactive": True},
            )

    def test_every_salesperson_has_customers_at_risk_with_follow_ups(self):
        customers = self.customers().with_company(self.company)
        for user in self.salespeople:
            at_risk = customers.filtered(
                lambda p, user=user: p.user_id == user and p.classification_at_risk
            )
            self.assertTrue(at_risk, f"{user.login} has no customer at risk")
            # on their episodes, which only the company reads
            episodes = self.env["crm.xyz.warning"].search(
                [("partner_id", "in", at_risk.ids), ("company_id", "=", self.company.id)]
            )
            followups = self.env["mail.activity"].search(
                [
                    ("res_model", "=", "crm.xyz.warning"),
                    ("res_id", "in", episodes.ids),
                    ("user_id", "=", user.id),
                    ("importance", "=", "high"),
                ]
            )
            self.assertTrue(followups, f"{user.login} has no follow-up of a customer at risk")
        # the portfolio: every ABC x XYZ cell of regular customers, and the other stages
        cells = self.env["crm.xyz.classification"].read_group(
            [("company_id", "=", self.company.id), ("relationship_stage_auto", "!=", False)],
            ["at_risk_count:sum"],
            ["portfolio_row", "xyz_class_auto"],
            lazy=False,
        )
        rows = {(cell["portfolio_row"], cell["xyz_class_auto"]) for cell in cells}
        self.assertLessEqual({("A", "X"), ("B", "Y"), ("C", "Z"), ("lost", False)}, rows)

    def test_customers_and_contacts(self):
        customers = self.customers()
        self.assertGreaterEqual(len(customers), 60)
        self.assertTrue(all(customers.mapped("child_ids")), "every customer has contacts")
        self.assertTrue(customers.child_ids.filtered("email"))
        self.assertTrue(customers.child_ids.filtered(lambda c: c.phone or c.mobile))
        complete = customers.filtered(
            lambda p: p.email and (p.phone or p.mobile) and p.street and p.city and p.country_id
        )
        self.assertTrue(complete)
        self.assertLess(len(complete), len(customers), "some contact data must be missing")

    def test_orders(self):
        orders = self.env["sale.order"].search(
            [
                ("company_id", "=", self.company.id),
                ("user_id", "in", self.salespeople.ids),
            ]
        )
        confirmed = orders.filtered(lambda o: o.state == "sale")
        dates = confirmed.mapped(lambda o: o.date_order.date())
        self.assertLessEqual(min(dates), self.load_day - relativedelta(months=17))
        self.assertGreaterEqual(max(dates), self.load_day - relativedelta(days=7))
        months = {(d.year, d.month) for d in dates}
        self.assertGreaterEqual(len(months), 18)
        self.assertEqual(set(confirmed.currency_id.mapped("name")), {"USD", "EUR"})
        eur_orders = confirmed.filtered(lambda o: o.currency_id.name == "EUR")
        self.assertTrue(all(o.currency_rate not in (0, 1) for o in eur_orders))
        self.assertTrue(orders.filtered(lambda o: o.state == "cancel"))
        self.assertTrue(orders.filtered(lambda o: o.state in ("draft", "sent")))
        self.assertGreater(sum(confirmed.mapped("margin")), 0)
        if "confirmed_relationship_stage" in confirmed._fields:
            # classified since three months: the orders since then carry their customer's class
            since = self.load_day - relativedelta(months=3)
            recent = confirmed.filtered(lambda o: o.date_order.date() > since)
            self.assertTrue(recent.filtered("confirmed_relationship_stage"))
            self.assertFalse((confirmed - recent).filtered("confirmed_relationship_stage"))
        self.assertTrue(
            confirmed.filtered(lambda o: o.partner_id.parent_id),
            "some orders come from contact persons",
        )
        buyers = confirmed.partner_id.commercial_partner_id
        opportunities = self.env["crm.lead"].search(
            [
                ("user_id", "in", self.salespeople.ids),
                ("type", "=", "opportunity"),
            ]
        )
        self.assertTrue(
            opportunities.filtered(lambda lead: lead.partner_id not in buyers),
            "prospects have opportunities",
        )

    def test_invoices_and_payments(self):
        moves = self.env["account.move"].search(
            [
                ("company_id", "=", self.company.id),
                ("state", "=", "posted"),
                ("invoice_user_id", "in", self.salespeople.ids),
            ]
        )
        invoices = moves.filtered(lambda m: m.move_type == "out_invoice")
        self.assertGreater(len(invoices), 200)
        self.assertTrue(moves.filtered(lambda m: m.move_type == "out_refund"))
        self.assertTrue(invoices.filtered(lambda m: m.payment_state in ("paid", "in_payment")))
        overdue = invoices.filtered(
            lambda m: m.amount_residual > 0 and m.invoice_date_due < self.load_day
        )
        self.assertTrue(overdue)
        self.assertTrue(
            invoices.filtered(
                lambda m: m.amount_residual > 0 and m.invoice_date_due > self.load_day
            )
        )

    def test_activities_and_meetings(self):
        for user in self.salespeople:
            tz = pytz.timezone(user.tz)
            activities = self.env["mail.activity"].search([("user_id", "=", user.id)])
            states = set()
            for activity in activities:
                created = pytz.utc.localize(activity.create_date).astimezone(tz).date()
                states.add(
                    "overdue"
                    if activity.date_deadline < created
                    else "today"
                    if activity.date_deadline == created
                    else "planned"
                )
            self.assertEqual(states, {"overdue", "today", "planned"}, user.login)
            self.assertLessEqual(
                {"res.partner", "crm.lead", "sale.order"},
                set(activities.mapped("res_model")),
                user.login,
            )
            done = self.env["mail.message"].search_count(
                [
                    ("author_id", "=", user.partner_id.id),
                    ("mail_activity_type_id", "!=", False),
                ]
            )
            self.assertGreater(done, 5, f"{user.login} made contacts")
            meetings = self.env["calendar.event"].search([("user_id", "=", user.id)])
            self.assertTrue(meetings.filtered(lambda e: e.start.date() < self.load_day))
            self.assertTrue(meetings.filtered(lambda e: e.start.date() > self.load_day))
            self.assertTrue(
                all(meetings.mapped(lambda e, user=user: e.partner_ids - user.partner_id))
            )
        if "importance" in self.env["mail.activity"]._fields:
            activities = self.env["mail.activity"].search([("user_id", "in", self.salespeople.ids)])
            self.assertEqual(set(activities.mapped("importance")), {"high", "normal", "low"})

    def test_deliveries(self):
        if "picking_ids" not in self.env["sale.order"]._fields:
            return
        pickings = (
            self.env["sale.order"]
            .search(
                [
                    ("company_id", "=", self.company.id),
                    ("user_id", "in", self.salespeople.ids),
                    ("state", "=", "sale"),
                ]
            )
            .picking_ids
        )
        done = pickings.filtered(lambda p: p.state == "done")
        self.assertTrue(done)
        self.assertLess(max(done.mapped("date_done")).date(), self.load_day)
        pending = pickings.filtered(lambda p: p.state not in ("done", "cancel"))
        days = {p.scheduled_date.date() for p in pending}
        self.assertTrue(any(d < self.load_day for d in days))
        self.assertTrue(any(d > self.load_day for d in days))

    def test_classification(self):
        partners = self.env["res.partner"].with_company(self.company)
        for field_name, values in (
            ("relationship_stage", ("potential", "one_off", "regular", "lost")),
            ("abc_class", ("A", "B", "C")),
            ("xyz_class", ("X", "Y", "Z")),
        ):
            for value in values:
                self.assertTrue(
                    partners.search_count([(field_name, "=", value)]),
                    f"no customer with {field_name} {value}",
                )
        runs = self.env["crm.xyz.run"].search([("company_id", "=", self.company.id)])
        self.assertIn(self.load_day - relativedelta(months=3), runs.mapped("date"))
        history = self.env["crm.xyz.history"].search([("company_id", "=", self.company.id)])
        trends = set(history.mapped("stage_trend"))
        self.assertIn("up", trends)
        self.assertIn("down", trends)
        for user in self.salespeople:
            mine = history.filtered(lambda h, user=user: h.user_id == user)
            self.assertTrue({"up", "down"} <= set(mine.mapped("stage_trend")), user.login)
