from datetime import date, datetime
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo.api import call_kw
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from ..tools.vocabulary import MANUAL_FIELDS
from .common import AS_OF, XyzCommon


def months_before(months, day=AS_OF):
    return day - relativedelta(months=months)


@tagged("post_install", "-at_install")
class TestClassificationStages(XyzCommon):
    def classified(self, partner, company=None):
        return partner.with_company(company or self.company)

    def test_regular_one_off_lost_potential(self):
        regular = self.create_customer("Regular")
        one_off = self.create_customer("One-off")
        lost = self.create_customer("Lost")
        prospect = self.create_customer("Prospect")
        quoted = self.create_customer("Quoted")
        bystander = self.create_customer("Vendor only")
        for months in range(3):
            self.create_order(regular, 100, months_before(months))
        self.create_order(one_off, 50, AS_OF)
        self.create_order(lost, 70, months_before(13))
        self.env["crm.lead"].create(
            {"name": "Deal", "partner_id": prospect.id, "company_id": self.company.id}
        )
        self.create_order(quoted, 30, AS_OF, confirm=False)
        run = self.run_analysis(AS_OF)
        self.assertEqual(run.state, "done")
        partners = self.classified(regular | one_off | lost | prospect | quoted | bystander)
        self.assertEqual(
            partners.mapped("relationship_stage_auto"),
            ["regular", "one_off", "lost", "potential", "potential", False],
        )
        self.assertEqual(
            partners.mapped("relationship_stage"),
            ["regular", "one_off", "lost", "potential", "potential", False],
        )
        self.assertEqual(self.classified(regular).classification_amount, 300)
        self.assertEqual(self.classified(regular).classification_purchase_count, 3)
        self.assertEqual(self.classified(lost).classification_last_sale_date, months_before(13))
        self.assertEqual(self.classified(regular).classification_date, AS_OF)
        self.assertEqual(
            (
                run.customer_count,
                run.potential_count,
                run.one_off_count,
                run.regular_count,
                run.lost_count,
            ),
            (5, 2, 1, 1, 1),
        )

    def test_one_off_limit_plus_minus_one(self):
        self.company.xyz_one_off_max_purchases = 2
        at_limit, above = self.create_customer("Two"), self.create_customer("Three")
        for _i in range(2):
            self.create_order(at_limit, 10, AS_OF)
        for _i in range(3):
            self.create_order(above, 10, AS_OF)
        self.run_analysis(AS_OF)
        self.assertEqual(self.classified(at_limit).relationship_stage_auto, "one_off")
        self.assertEqual(self.classified(above).relationship_stage_auto, "regular")

    def test_window_bounds_to_the_day(self):
        # 12 months as of 30 June 2026: the window is 1 July 2025 .. 30 June 2026
        first_day, day_before = self.create_customer("In"), self.create_customer("Out")
        after = self.create_customer("After D")
        self.create_order(first_day, 10, date(2025, 7, 1))
        self.create_order(day_before, 10, date(2025, 6, 30))
        self.create_order(after, 10, date(2026, 7, 1))
        self.run_analysis(AS_OF)
        self.assertEqual(self.classified(first_day).relationship_stage_auto, "one_off")
        self.assertEqual(self.classified(day_before).relationship_stage_auto, "lost")
        self.assertFalse(
            self.classified(after).relationship_stage_auto, "sales dated after D never count"
        )

    def test_order_date_in_company_time_zone(self):
        self.company.partner_id.tz = "Asia/Tokyo"
        late = self.create_customer("Late evening UTC")
        # 30 June 23:30 UTC is 1 July 08:30 in Tokyo: after D
        self.create_order(late, 10, datetime(2026, 6, 30, 23, 30))
        self.run_analysis(AS_OF)
        self.assertFalse(self.classified(late).relationship_stage_auto)
        self.run_analysis(date(2026, 7, 1))
        self.assertEqual(self.classified(late).relationship_stage_auto, "one_off")

    def test_month_end_sub_periods(self):
        # as of 31 March 2025 with 2 months: sub-period 1 is 1..31 March, 2 is 1..28 February
        self.company.write({"xyz_period_count": 2, "xyz_one_off_max_purchases": 1})
        customer = self.create_customer("Month end")
        self.create_order(customer, 100, date(2025, 2, 28))
        self.create_order(customer, 100, date(2025, 3, 1))
        self.run_analysis(date(2025, 3, 31))
        partner = self.classified(customer)
        self.assertEqual(partner.relationship_stage_auto, "regular")
        self.assertEqual(partner.xyz_class_auto, "X", "one sale in each sub-period: CV 0")
        # 31 January lies just before the window
        self.create_order(customer, 100, date(2025, 1, 31))
        self.run_analysis(date(2025, 3, 31))
        self.assertEqual(self.classified(customer).classification_amount, 200)

    def test_abc_ties_and_cumulative_boundary(self):
        big, tie_low, tie_high = (self.create_customer(name) for name in ("70", "15a", "15b"))
        self.create_order(big, 70, AS_OF)
        self.create_order(tie_high, 15, AS_OF)
        self.create_order(tie_low, 15, AS_OF)
        self.run_analysis(AS_OF)
        # S = 100: 70 (cum 0) A; the lower id of the tie (cum 70 < 80) A; the other (cum 85) B
        self.assertEqual(self.classified(big).abc_class_auto, "A")
        self.assertLess(tie_low.id, tie_high.id)
        self.assertEqual(self.classified(tie_low).abc_class_auto, "A")
        self.assertEqual(self.classified(tie_high).abc_class_auto, "B")

    def test_abc_boundary_exactly_on_the_cut_off(self):
        customers = [self.create_customer(f"C{i}") for i in range(4)]
        for customer, amount in zip(customers, (40, 40, 15, 5), strict=True):
            self.create_order(customer, amount, AS_OF)
        self.run_analysis(AS_OF)
        # cumulative before: 0, 40, 80 (not < 80: B), 95 (not < 95: C)
        self.assertEqual(
            [self.classified(c).abc_class_auto for c in customers], ["A", "A", "B", "C"]
        )

    def test_single_customer_and_zero_total(self):
        only, free = self.create_customer("Only"), self.create_customer("Free")
        self.create_order(only, 10, AS_OF)
        self.create_order(free, 0, AS_OF)
        self.run_analysis(AS_OF)
        self.assertEqual(self.classified(only).abc_class_auto, "A")
        self.assertEqual(self.classified(free).relationship_stage_auto, "one_off")
        self.assertFalse(self.classified(free).abc_class_auto, "a zero total gets no ABC class")

    def test_xyz_equal_and_empty_sub_periods(self):
        steady, bursty = self.create_customer("Steady"), self.create_customer("Bursty")
        for months in range(12):
            self.create_order(steady, 100, months_before(months))
        for _i in range(3):
            self.create_order(bursty, 400, AS_OF)
        self.run_analysis(AS_OF)
        self.assertEqual(self.classified(steady).xyz_class_auto, "X")
        self.assertEqual(self.classified(steady).classification_cv, 0)
        self.assertEqual(self.classified(bursty).xyz_class_auto, "Z")
        self.assertAlmostEqual(self.classified(bursty).classification_cv, 331.66, places=2)

    def test_xyz_only_for_regular_customers(self):
        one_off = self.create_customer("One-off")
        self.create_order(one_off, 100, AS_OF)
        self.run_analysis(AS_OF)
        self.assertFalse(self.classified(one_off).xyz_class_auto)
        self.assertFalse(self.classified(one_off).classification_cv)


@tagged("post_install", "-at_install")
class TestClassificationAmounts(XyzCommon):
    def classified(self, partner):
        return partner.with_company(self.company)

    def test_currency_converted_at_order_date(self):
        self.env["res.currency.rate"].create(
            {
                "name": "2026-06-01",
                "rate": 4.0,
                "currency_id": self.eur.id,
                "company_id": self.company.id,
            }
        )
        customer = self.create_customer("Euro buyer")
        self.create_order(customer, 200, date(2026, 5, 15), pricelist=self.eur_pricelist)
        self.create_order(customer, 200, date(2026, 6, 15), pricelist=self.eur_pricelist)
        self.run_analysis(AS_OF)
        # 200 EUR at 2.0 = 100 USD, then 200 EUR at 4.0 = 50 USD
        self.assertEqual(self.classified(customer).classification_amount, 150)

    def test_cancelled_and_draft_orders_never_count(self):
        customer = self.create_customer("Canceller")
        self.create_order(customer, 100, AS_OF)
        cancelled = self.create_order(customer, 500, AS_OF)
        cancelled._action_cancel()
        self.create_order(customer, 700, AS_OF, confirm=False)
        self.run_analysis(AS_OF)
        self.assertEqual(self.classified(customer).classification_amount, 100)
        self.assertEqual(self.classified(customer).classification_purchase_count, 1)

    def test_child_and_archived_contacts_roll_up(self):
        company = self.create_customer("Parent")
        child = self.env["res.partner"].create({"name": "Buyer", "parent_id": company.id})
        self.create_order(child, 100, AS_OF)
        self.create_order(company, 100, months_before(1))
        self.create_order(child, 100, months_before(2))
        child.active = False
        self.run_analysis(AS_OF)
        self.assertEqual(self.classified(company).relationship_stage_auto, "regular")
        self.assertEqual(self.classified(company).classification_amount, 300)
        self.assertFalse(self.classified(child).relationship_stage_auto)

    def test_invoice_source_with_credit_notes(self):
        self.company.xyz_source = "invoice"
        customer, refunded = self.create_customer("Invoiced"), self.create_customer("Refunded")
        self.create_invoice(customer, 100, date(2026, 6, 1))
        self.create_invoice(customer, 100, date(2026, 5, 1))
        self.create_invoice(customer, 50, date(2026, 6, 2), refund=True)
        self.create_invoice(customer, 999, date(2026, 6, 3), post=False)
        self.create_invoice(refunded, 100, date(2026, 6, 1))
        self.create_invoice(refunded, 300, date(2026, 6, 5), refund=True)
        self.run_analysis(AS_OF)
        partner = self.classified(customer)
        self.assertEqual(partner.classification_amount, 150)
        self.assertEqual(partner.classification_purchase_count, 2, "a credit note is no purchase")
        self.assertEqual(partner.abc_class_auto, "A")
        negative = self.classified(refunded)
        self.assertEqual(negative.classification_amount, -200)
        self.assertEqual(negative.relationship_stage_auto, "one_off")
        self.assertFalse(negative.abc_class_auto, "a negative total gets no ABC class")

    def test_invoice_source_converts_foreign_invoices(self):
        self.company.xyz_source = "invoice"
        customer = self.create_customer("Euro invoices")
        self.create_invoice(customer, 300, date(2026, 6, 1), currency=self.eur)
        self.run_analysis(AS_OF)
        self.assertEqual(self.classified(customer).classification_amount, 150)

    def test_margin_and_count_parameters(self):
        customer = self.create_customer("Margin")
        self.create_order(customer, 100, AS_OF, cost=60)
        self.create_order(customer, 300, months_before(1), cost=100)
        self.company.xyz_parameter = "margin"
        self.run_analysis(AS_OF)
        self.assertEqual(self.classified(customer).classification_amount, 240)
        self.company.xyz_parameter = "count"
        self.run_analysis(AS_OF)
        self.assertEqual(self.classified(customer).classification_amount, 2)

    def test_two_companies_sharing_a_partner(self):
        shared = self.create_customer("Shared")
        for months in range(3):
            self.create_order(shared, 100, months_before(months))
        self.create_order(
            shared, 100, months_before(14), company=self.company_2, user=self.manager_2
        )
        self.run_analysis(AS_OF)
        self.run_analysis(AS_OF, company=self.company_2)
        self.assertEqual(shared.with_company(self.company).relationship_stage, "regular")
        self.assertEqual(shared.with_company(self.company_2).relationship_stage, "lost")
        self.assertEqual(shared.with_company(self.company_2).classification_amount, 0)
        self.assertEqual(
            self.env["res.partner"]
            .with_company(self.company_2)
            .search([("id", "=", shared.id), ("relationship_stage", "=", "lost")]),
            shared,
        )


@tagged("post_install", "-at_install")
class TestClassificationRuns(XyzCommon):
    def classified(self, partner):
        return partner.with_company(self.company)

    def tracked_fields(self, partner):
        """The fields of the partner's chatter tracking, once the pending tracking is
        written as at the end of a request."""
        self.env.flush_all()
        self.env.cr.precommit.run()
        values = (
            self.env["mail.tracking.value"]
            .sudo()
            .search(
                [
                    ("mail_message_id.model", "=", "res.partner"),
                    ("mail_message_id.res_id", "=", partner.id),
                ]
            )
        )
        return values.field_id.mapped("name")

    def history(self, partner):
        return self.env["crm.xyz.history"].search([("partner_id", "=", partner.id)])

    def test_trend_history_and_idempotence(self):
        customer = self.create_customer("Growing")
        self.create_order(customer, 100, date(2026, 1, 10))
        first = self.run_analysis(date(2026, 1, 31))
        self.assertEqual(self.classified(customer).relationship_trend, "new")
        self.assertEqual(len(self.history(customer)), 1)
        for day in (date(2026, 2, 10), date(2026, 3, 10)):
            self.create_order(customer, 100, day)
        self.run_analysis(AS_OF)
        partner = self.classified(customer)
        self.assertEqual(partner.relationship_stage_auto, "regular")
        self.assertEqual(partner.relationship_stage_prev, "one_off")
        self.assertEqual(partner.relationship_trend, "up")
        history = self.history(customer)
        self.assertEqual(len(history), 2)
        self.assertEqual(
            (history[0].old_stage, history[0].new_stage, history[0].stage_trend),
            ("one_off", "regular", "up"),
        )
        self.assertEqual(history[0].user_id, customer.user_id)
        # the same date again: nothing changes, no history
        again = self.run_analysis(AS_OF)
        self.assertEqual(again.changed_count, 0)
        self.assertEqual(len(self.history(customer)), 2)
        self.assertEqual(self.classified(customer).relationship_trend, "up")
        self.assertNotEqual(first, again)
        # a year later with no sale: down to lost
        self.run_analysis(date(2027, 6, 30))
        self.assertEqual(self.classified(customer).relationship_trend, "down")
        self.assertEqual(self.history(customer)[0].new_stage, "lost")

    def test_same_stage_new_date_keeps_history_quiet(self):
        customer = self.create_customer("Stable")
        self.create_order(customer, 100, AS_OF)
        self.run_analysis(AS_OF)
        run = self.run_analysis(AS_OF + relativedelta(days=1))
        self.assertEqual(self.classified(customer).relationship_trend, "same")
        self.assertEqual(len(self.history(customer)), 1)
        self.assertEqual(run.changed_count, 1, "only the classification date moved")

    def test_customer_no_longer_classified_is_cleared(self):
        customer = self.create_customer("Gone")
        order = self.create_order(customer, 100, AS_OF)
        self.run_analysis(AS_OF)
        order._action_cancel()
        self.run_analysis(AS_OF)
        partner = self.classified(customer)
        self.assertFalse(partner.relationship_stage_auto)
        self.assertFalse(partner.relationship_stage)
        self.assertFalse(partner.classification_date)
        self.assertEqual(self.history(customer)[0].old_stage, "one_off")
        self.assertFalse(self.history(customer)[0].new_stage)

    def test_manual_override_survives_recomputation(self):
        customer = self.create_customer("Overridden")
        self.create_order(customer, 100, AS_OF)
        self.run_analysis(AS_OF)
        partner = (
            self.classified(customer)
            .with_user(self.manager)
            .with_context(tracking_disable=False, mail_notrack=False)
        )
        # start the tracking from a clean slate, as a new request would
        self.env.flush_all()
        self.env.cr.precommit.run()
        partner.write({"abc_class_manual": "C", "relationship_stage_manual": "regular"})
        self.assertEqual(partner.abc_class, "C")
        # the override is tracked in the chatter
        self.assertIn("abc_class_manual", self.tracked_fields(customer))
        self.assertTrue(partner.classification_overridden)
        self.create_order(customer, 100, months_before(1))
        self.run_analysis(AS_OF + relativedelta(days=1))
        partner.invalidate_recordset()
        self.assertEqual((partner.abc_class_auto, partner.abc_class), ("A", "C"))
        self.assertEqual(partner.relationship_stage, "regular")
        partner.write({"abc_class_manual": False})
        self.assertEqual(partner.abc_class, "A")

    def test_other_writes_track_their_fields_without_reading_overrides(self):
        customer = self.create_customer("Reassigned")
        self.create_order(customer, 100, AS_OF)
        self.run_analysis(AS_OF)
        partner = self.classified(customer).with_context(tracking_disable=False, mail_notrack=False)
        self.env.flush_all()
        self.env.cr.precommit.run()
        partner.write({"user_id": self.manager.id})
        # what the tracking read before the write: the salesperson, no override
        before = self.env.cr.precommit.data["mail.tracking.res.partner"][customer.id]
        self.assertIn("user_id", before)
        self.assertFalse(set(MANUAL_FIELDS) & set(before))
        self.assertEqual(self.tracked_fields(customer), ["user_id"])

    def test_sale_order_stores_class_at_confirmation(self):
        customer = self.create_customer("Buyer")
        for months in range(1, 4):
            self.create_order(customer, 100, months_before(months))
        self.run_analysis(AS_OF)
        order = self.create_order(customer, 100, AS_OF, confirm=False)
        self.assertEqual(order.customer_relationship_stage, "regular")
        order.action_confirm()
        self.assertEqual(
            (
                order.confirmed_relationship_stage,
                order.confirmed_abc_class,
                order.confirmed_xyz_class,
            ),
            ("regular", "A", "Z"),
        )
        self.env.flush_all()
        report = self.env["sale.report"].search(
            [("order_reference", "=", f"sale.order,{order.id}")]
        )
        self.assertEqual(report.confirmed_relationship_stage, "regular")

    def test_orders_confirmed_together_keep_each_customer_class(self):
        # a regular customer (ordering through a contact), a one-off one and a new one,
        # confirmed in one call by the salesman: each order gets its own customer's class
        regular = self.create_customer("Regular Buyer")
        for months in range(1, 4):
            self.create_order(regular, 100, months_before(months))
        one_off = self.create_customer("One-off Buyer")
        self.create_order(one_off, 50, months_before(1))
        self.run_analysis(AS_OF)
        contact = self.env["res.partner"].create({"name": "Buyer's Clerk", "parent_id": regular.id})
        newcomer = self.create_customer("Newcomer")
        orders = self.env["sale.order"].concat(
            *(
                self.create_order(partner, 100, AS_OF, confirm=False)
                for partner in (contact, one_off, newcomer)
            )
        )
        call_kw(self.env["sale.order"].with_user(self.salesman), "action_confirm", [orders.ids], {})
        orders.invalidate_recordset()
        self.assertEqual(
            orders.mapped("confirmed_relationship_stage"), ["regular", "one_off", False]
        )
        self.assertEqual(
            orders.mapped("confirmed_abc_class"),
            [self.classified(regular).abc_class, self.classified(one_off).abc_class, False],
        )
        self.assertTrue(self.classified(regular).abc_class)
        # one order alone takes its class with the confirmation's own write
        single = self.create_order(contact, 100, AS_OF, confirm=False)
        call_kw(self.env["sale.order"].with_user(self.salesman), "action_confirm", [single.ids], {})
        self.assertEqual(single.confirmed_relationship_stage, "regular")

    def test_interrupted_run_leaves_nothing_half_written(self):
        customers = [self.create_customer(f"Batch {i}") for i in range(3)]
        for customer in customers:
            self.create_order(customer, 100, AS_OF)
        original = type(self.env["crm.xyz.run"])._classify

        def killed_after_writing(run, *args, **kwargs):
            original(run, *args, **kwargs)
            raise KeyboardInterrupt("killed")

        with (
            patch.object(type(self.env["crm.xyz.run"]), "_classify", killed_after_writing),
            self.assertRaises(KeyboardInterrupt),
            self.env.cr.savepoint(),
        ):
            self.run_analysis(AS_OF)
        self.env.invalidate_all()
        self.assertFalse(any(self.classified(c).relationship_stage_auto for c in customers))
        self.assertFalse(
            self.env["crm.xyz.history"].search_count(
                [("partner_id", "in", [c.id for c in customers])]
            )
        )
        run = self.run_analysis(AS_OF)
        self.assertEqual(run.customer_count, 3)
        self.assertEqual(
            [self.classified(c).relationship_stage_auto for c in customers], ["one_off"] * 3
        )

    def test_never_two_runs_at_once_for_one_company(self):
        with self.registry.cursor() as other:
            other.execute("SELECT pg_advisory_xact_lock(73001, %s)", [self.company.id])
            with self.assertRaisesRegex(UserError, "already in progress"):
                self.run_analysis(AS_OF)
            # another company is not blocked
            self.assertEqual(self.run_analysis(AS_OF, company=self.company_2).state, "done")
            other.rollback()
        self.assertEqual(self.run_analysis(AS_OF).state, "done")

    def test_scheduled_action_classifies_every_company(self):
        customer = self.create_customer("Cron")
        self.create_order(customer, 100, date.today())
        runs = self.env["crm.xyz.run"].sudo().search([])
        self.env["crm.xyz.run"]._cron_run_analysis()
        new_runs = self.env["crm.xyz.run"].sudo().search([]) - runs
        self.assertEqual(new_runs.company_id, self.env["res.company"].sudo().search([]))
        self.assertEqual(self.classified(customer).relationship_stage_auto, "one_off")


@tagged("post_install", "-at_install")
class TestClassificationSettings(XyzCommon):
    def test_every_invalid_setting_is_refused(self):
        cases = [
            ({"xyz_period_count": 1}, "Number of Sub-periods"),
            ({"xyz_period_count": 121}, "Number of Sub-periods"),
            ({"xyz_one_off_max_purchases": 0}, "One-off Customer"),
            ({"xyz_x_max_cv": 0}, "X: CV"),
            ({"xyz_x_max_cv": 30}, "Y: CV"),
            ({"xyz_y_max_cv": 10}, "Y: CV"),
            ({"abc_a_percent": 0}, "A: share"),
            ({"abc_b_percent": -1}, "B: share"),
            ({"abc_a_percent": 85, "abc_b_percent": 15}, "add up to less than 100"),
            ({"xyz_source": "invoice", "xyz_parameter": "margin"}, "Analysed Parameter"),
        ]
        before = self.company.read(list(self.company._xyz_settings()))
        for values, message in cases:
            with self.subTest(values=values):
                with self.assertRaisesRegex(ValidationError, message), self.env.cr.savepoint():
                    self.company.write(values)
                self.company.invalidate_recordset()
                self.assertEqual(self.company.read(list(self.company._xyz_settings())), before)

    def test_settings_through_the_settings_screen(self):
        # the one screen of the settings saves them on the company...
        Settings = self.env["crm.xyz.classification.settings"]
        Settings.create({"xyz_period_count": 6, "xyz_period_unit": "quarter"}).action_save()
        self.assertEqual(
            (self.company.xyz_period_count, self.company.xyz_period_unit), (6, "quarter")
        )
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            Settings.create({"abc_a_percent": 90}).action_save()
        self.assertEqual(self.company.abc_a_percent, 80)
        # ... and the Settings app links to it instead of showing them again
        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"]["form"]["arch"]
        action = self.env.ref("crm_xyz_addon.crm_xyz_classification_settings_action")
        self.assertIn(f'name="{action.id}"', arch)
        self.assertNotIn('name="xyz_period_count"', arch)
        self.assertNotIn("xyz_period_count", self.env["res.config.settings"]._fields)


@tagged("post_install", "-at_install")
class TestClassificationAccess(XyzCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.create_customer("Guarded", user_id=cls.salesman.id)
        cls.create_order(cls.customer, 100, AS_OF)
        cls.analysis_run = cls.run_analysis(AS_OF)

    def test_salesman_reads_but_cannot_override(self):
        partner = self.customer.with_user(self.salesman).with_company(self.company)
        self.assertEqual(partner.relationship_stage, "one_off")
        with self.assertRaises(AccessError):
            partner.write({"abc_class_manual": "C"})
        with self.assertRaises(AccessError):
            partner.write({"relationship_stage_auto": "regular"})
        with self.assertRaises(UserError):
            self.env["crm.xyz.run"].with_user(self.salesman).action_run_now()
        self.assertTrue(self.env["crm.xyz.run"].with_user(self.salesman).search([]))
        with self.assertRaises(AccessError):
            self.analysis_run.with_user(self.salesman).unlink()

    def test_manager_overrides_and_runs(self):
        partner = self.customer.with_user(self.manager).with_company(self.company)
        partner.write({"xyz_class_manual": "Y"})
        self.assertEqual(partner.xyz_class, "Y")
        action = self.env["crm.xyz.run"].with_user(self.manager).action_run_now()
        self.assertEqual(action["params"]["type"], "success")

    def test_portal_user_sees_nothing(self):
        partner = self.customer.with_user(self.portal_user)
        with self.assertRaises(AccessError):
            partner.read(["relationship_stage"])
        with self.assertRaises(AccessError):
            self.env["crm.xyz.run"].with_user(self.portal_user).search([])
        with self.assertRaises(AccessError):
            self.env["crm.xyz.history"].with_user(self.portal_user).search([])

    def test_other_company_sees_no_runs_or_history(self):
        runs = self.env["crm.xyz.run"].with_user(self.manager_2).search([])
        self.assertNotIn(self.analysis_run, runs)
        history = self.env["crm.xyz.history"].with_user(self.manager_2).search([])
        self.assertFalse(history.filtered(lambda row: row.partner_id == self.customer))
