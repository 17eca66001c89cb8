"""The purchase model in the analysis: fitted per company by the run, its figures per
customer read, searched, sorted and summed through SQL, and the customers at risk by it."""

from datetime import datetime, time, timedelta

import numpy as np

from odoo import Command
from odoo.api import call_kw
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from ..tools import classification_query as queries
from ..tools import purchase_model as bgnbd
from ..tools import purchase_model_query as model_queries
from ..tools import report_summaries
from .common import AS_OF, XyzCommon

HORIZON_DAYS = 90


@tagged("post_install", "-at_install")
class TestPurchaseModelRuns(XyzCommon):
    """70 customers with random sale days: 60 bought on 2 to 9 days (enough repeat buyers
    for a model), a third of them in their first months only, and 10 on one day only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        rng = np.random.default_rng(7)
        cls.sale_days = {}
        values, days = [], []
        for index in range(70):
            customer = cls.create_customer(f"Model Customer {index:02d}", user_id=cls.salesman.id)
            first = int(rng.integers(120, 700))
            count = 1 if index >= 60 else int(rng.integers(2, 10))
            span = first // 5 if index % 3 == 0 else first
            offsets = {0, *(int(day) for day in rng.integers(1, span + 1, count - 1))}
            bought = sorted(AS_OF - timedelta(days=first - offset) for offset in offsets)
            cls.sale_days[customer] = bought
            for day in bought:
                values.append(cls.order_values(customer, day))
                days.append(day)
        orders = cls.env["sale.order"].create(values)
        orders.action_confirm()
        # confirming stamps the current time: put each order back on its day
        for order, day in zip(orders, days, strict=True):
            order.date_order = datetime.combine(day, time(12, 0))
        cls.customers = cls.env["res.partner"].browse([partner.id for partner in cls.sale_days])

    @classmethod
    def order_values(cls, customer, day):
        return {
            "partner_id": customer.id,
            "company_id": cls.company.id,
            "user_id": cls.salesman.id,
            "date_order": datetime.combine(day, time(12, 0)),
            "order_line": [
                Command.create(
                    {
                        "product_id": cls.sold_product.id,
                        "product_uom_qty": 1,
                        "price_unit": 100.0,
                        "tax_id": [Command.clear()],
                    }
                )
            ],
        }

    def figures(self, as_of=AS_OF):
        """Each customer's (x, t_x, T) in weeks, from its sale days, by hand."""
        return {
            customer: (len(days) - 1, (days[-1] - days[0]).days / 7, (as_of - days[0]).days / 7)
            for customer, days in self.sale_days.items()
        }

    def model_of(self, run):
        return bgnbd.PurchaseModel(run.bgnbd_r, run.bgnbd_alpha, run.bgnbd_a, run.bgnbd_b)

    def expected_by_hand(self, run):
        """{customer: (P(alive), expected purchases)} by the Python closed forms."""
        model = self.model_of(run)
        result = {}
        for customer, (x, t_x, age) in self.figures().items():
            result[customer] = (
                bgnbd.p_alive(model, [x], [t_x], [age])[0],
                bgnbd.expected_purchases(model, HORIZON_DAYS / 7, [x], [t_x], [age])[0],
            )
        return result

    def salesman_call(self, model, method, *args, **kwargs):
        self.env.invalidate_all()
        kwargs["context"] = {"allowed_company_ids": self.company.ids}
        return call_kw(self.env[model].with_user(self.salesman), method, list(args), kwargs)

    # ---------------------------------------------------------------- the fit
    def test_the_run_fits_the_model_of_the_customers(self):
        run = self.run_analysis(AS_OF)
        figures = self.figures()
        by_hand = bgnbd.fit(*zip(*figures.values(), strict=True))
        self.assertTrue(run.bgnbd_fitted)
        self.assertEqual(
            (run.bgnbd_customer_count, run.bgnbd_repeat_customer_count, run.bgnbd_message),
            (70, 60, False),
        )
        # the same maximum of the likelihood of the same customers (70 customers leave the
        # dropout's a and b on a ridge: only their ratio is known, so compare likelihoods)
        self.assertAlmostEqual(run.bgnbd_log_likelihood, by_hand.log_likelihood, delta=1e-6)
        self.assertAlmostEqual(
            bgnbd.log_likelihood(
                self.model_of(run).parameters, *zip(*figures.values(), strict=True)
            ),
            by_hand.log_likelihood,
            delta=1e-6,
        )
        self.assertAlmostEqual(run.bgnbd_r, by_hand.r, delta=1e-3 * by_hand.r)
        self.assertAlmostEqual(run.bgnbd_alpha, by_hand.alpha, delta=1e-3 * by_hand.alpha)

    def test_figures_per_customer_are_the_closed_forms(self):
        run = self.run_analysis(AS_OF)
        by_hand = self.expected_by_hand(run)
        rows = self.salesman_call(
            "res.partner",
            "read",
            self.customers.ids,
            [
                "classification_p_alive",
                "classification_expected_purchases",
                "classification_sale_days",
            ],
        )
        for row in rows:
            customer = self.customers.browse(row["id"])
            p_alive, expected = by_hand[customer]
            with self.subTest(customer=customer.name):
                self.assertEqual(row["classification_sale_days"], len(self.sale_days[customer]))
                self.assertAlmostEqual(row["classification_p_alive"], p_alive, delta=1e-9)
                self.assertAlmostEqual(
                    row["classification_expected_purchases"], expected, delta=1e-9 * expected
                )
        # one sale day: alive by the model's definition
        self.assertEqual({by_hand[customer][0] for customer in self.customers[60:]}, {1.0})
        # the form explains them in one sentence
        explanation = self.customers[0].with_company(self.company).with_context(lang="en_US")
        self.assertIn("likely to still buy from you", explanation.classification_model_explanation)

    def test_search_and_sort_through_sql(self):
        run = self.run_analysis(AS_OF)
        by_hand = self.expected_by_hand(run)
        below_half = self.salesman_call(
            "res.partner",
            "search",
            [("classification_p_alive", "<", 0.5), ("id", "in", self.customers.ids)],
        )
        self.assertEqual(
            set(below_half), {customer.id for customer, (p, _e) in by_hand.items() if p < 0.5}
        )
        self.assertTrue(0 < len(below_half) < 60)
        ordered = self.salesman_call(
            "res.partner",
            "search",
            [("id", "in", self.customers.ids)],
            order="classification_p_alive desc, id",
        )
        self.assertEqual(
            ordered,
            [
                customer.id
                for customer in sorted(self.customers, key=lambda c: (-by_hand[c][0], c.id))
            ],
        )
        ordered = self.salesman_call(
            "res.partner",
            "search",
            [("id", "in", self.customers.ids)],
            order="classification_expected_purchases, id",
        )
        self.assertEqual(
            ordered,
            [
                customer.id
                for customer in sorted(self.customers, key=lambda c: (by_hand[c][1], c.id))
            ],
        )
        more_than_one = self.salesman_call(
            "crm.xyz.classification",
            "search_count",
            [("classification_expected_purchases", ">", 1.0), ("company_id", "=", self.company.id)],
        )
        self.assertEqual(more_than_one, sum(1 for _p, e in by_hand.values() if e > 1.0))

    def test_sums_in_the_portfolio_and_the_xyz_analysis(self):
        run = self.run_analysis(AS_OF)
        by_hand = self.expected_by_hand(run)
        cells = self.salesman_call(
            "crm.xyz.portfolio",
            "read_group",
            [("company_id", "=", self.company.id)],
            ["expected_purchases:sum"],
            ["portfolio_row"],
        )
        rows = self.env["crm.xyz.portfolio"].search([("company_id", "=", self.company.id)])
        for cell in cells:
            customers = rows.filtered(
                lambda row, cell=cell: row.portfolio_row == cell["portfolio_row"]
            )
            with self.subTest(cell=cell["portfolio_row"]):
                self.assertAlmostEqual(
                    cell["expected_purchases"],
                    sum(by_hand[row.partner_id][1] for row in customers),
                    delta=1e-6,
                )
        [total] = self.salesman_call(
            "crm.xyz.classification",
            "read_group",
            [("company_id", "=", self.company.id)],
            ["classification_expected_purchases:sum"],
            [],
        )
        self.assertAlmostEqual(
            total["classification_expected_purchases"],
            sum(expected for _p, expected in by_hand.values()),
            delta=1e-6,
        )

    # ----------------------------------------------------- at risk by the model
    def test_at_risk_by_the_model(self):
        self.company.write({"xyz_risk_method": "model", "xyz_risk_p_alive": 0.4})
        run = self.run_analysis(AS_OF)
        self.assertEqual(run.xyz_risk_method, "model")
        by_hand = self.expected_by_hand(run)
        flagged = set()
        for customer in self.customers:
            here = customer.with_company(self.company)
            expected_flag = (
                here.relationship_stage_auto in ("regular", "one_off")
                and len(self.sale_days[customer]) >= 2
                and by_hand[customer][0] < 0.4
            )
            with self.subTest(customer=customer.name):
                self.assertEqual(here.classification_at_risk, expected_flag)
            if expected_flag:
                flagged.add(customer)
        self.assertTrue(flagged)
        self.assertEqual(run.at_risk_count, len(flagged))
        # a rerun changes nothing; the flags stay
        rerun = self.run_analysis(AS_OF)
        self.assertEqual((rerun.changed_count, rerun.at_risk_count), (0, len(flagged)))
        # back to the typical interval: the flags follow the rule again
        self.company.xyz_risk_method = "rule"
        by_rule = self.run_analysis(AS_OF + timedelta(days=1))
        self.assertEqual(by_rule.xyz_risk_method, "rule")
        self.assertEqual(
            by_rule.at_risk_count,
            self.env["crm.xyz.classification"].search_count(
                [("company_id", "=", self.company.id), ("classification_at_risk", "=", True)]
            ),
        )

    def test_preview_counts_each_method_with_the_settings_on_the_screen(self):
        self.run_analysis(AS_OF)
        Run = self.env["crm.xyz.run"].with_user(self.manager)
        preview = Run.preview_analysis(
            as_of=AS_OF, xyz_risk_method="model", xyz_risk_p_alive=0.3, xyz_risk_factor=1.5
        )
        self.assertEqual(preview["at_risk_method"], "model")
        self.assertEqual(preview["purchase_model"]["repeat_customer_count"], 60)
        # nothing saved: the company still flags by the typical interval with factor 2
        self.assertEqual(self.company.xyz_risk_method, "rule")
        self.company.write(
            {"xyz_risk_method": "model", "xyz_risk_p_alive": 0.3, "xyz_risk_factor": 1.5}
        )
        by_model = self.run_analysis(AS_OF)
        self.company.xyz_risk_method = "rule"
        by_rule = self.run_analysis(AS_OF)
        self.assertEqual(
            preview["at_risk"], {"model": by_model.at_risk_count, "rule": by_rule.at_risk_count}
        )
        self.assertNotEqual(by_model.at_risk_count, by_rule.at_risk_count)

    def test_too_few_repeat_buyers_no_model(self):
        self.company_2.xyz_risk_method = "model"
        loner = self.create_customer("Loner", company_id=self.company_2.id)
        self.create_order(loner, 100, AS_OF - timedelta(days=40), company=self.company_2)
        self.create_order(loner, 100, AS_OF - timedelta(days=20), company=self.company_2)
        run = self.run_analysis(AS_OF, company=self.company_2)
        self.assertFalse(run.bgnbd_fitted)
        self.assertEqual(run.xyz_risk_method, "rule")
        self.assertIn("1 customers", run.with_context(lang="en_US").bgnbd_message)
        self.assertIn("typical interval instead", run.bgnbd_message)
        here = loner.with_company(self.company_2)
        self.assertFalse(here.classification_model_known)
        self.assertFalse(here.classification_model_explanation)
        self.assertEqual(here.classification_sale_days, 2)

    def test_the_nights_do_not_rewrite_customers_for_the_model(self):
        self.run_analysis(AS_OF)
        self.assertEqual(self.run_analysis(AS_OF).changed_count, 0)  # a rerun
        self.run_analysis(AS_OF + timedelta(days=1))  # every trend leaves "new"
        rows = self.env["crm.xyz.classification"].search([("company_id", "=", self.company.id)])

        def snapshot():
            rows.invalidate_recordset()
            return {row.id: tuple(row[name] for name in queries.STORED_COLUMNS) for row in rows}

        before = snapshot()
        p_alive = {row.id: row.classification_p_alive for row in rows}
        night = self.run_analysis(AS_OF + timedelta(days=2))
        after = snapshot()
        # only the customers whose stored figures changed are rewritten (a flag, a trend),
        # not every one whose P(alive) moved
        self.assertEqual(night.changed_count, sum(before[key] != after[key] for key in before))
        moved = [row for row in rows if row.classification_p_alive != p_alive[row.id]]
        self.assertGreater(len(moved), 50)
        self.assertLess(night.changed_count, len(moved))

    # ------------------------------------------------------------ settings
    def test_model_settings_are_checked_and_saved(self):
        Run = self.env["crm.xyz.run"].with_user(self.manager)
        for values, message in (
            ({"xyz_risk_p_alive": 1.5}, "between 0 and 1"),
            ({"xyz_risk_p_alive": 0.0}, "between 0 and 1"),
            ({"xyz_risk_method": "maybe"}, "At Risk By"),
        ):
            with self.subTest(values=values):
                with self.assertRaisesRegex(ValidationError, message):
                    Run.preview_analysis(as_of=AS_OF, **values)
                if "xyz_risk_p_alive" in values:
                    # (an unknown choice never reaches the company: the ORM refuses it first)
                    with self.assertRaisesRegex(ValidationError, message), self.env.cr.savepoint():
                        self.company.write(values)
        for days in (0, 3651):
            with (
                self.assertRaisesRegex(ValidationError, "between 1 and 3650"),
                self.env.cr.savepoint(),
            ):
                self.company.write({"xyz_expected_purchases_days": days})
        # the horizon is no setting of the preview: it changes nobody's flag
        with self.assertRaisesRegex(ValidationError, "xyz_expected_purchases_days"):
            Run.preview_analysis(as_of=AS_OF, xyz_expected_purchases_days=30)
        wizard = self.env["crm.xyz.classification.settings"].with_user(self.manager).create({})
        self.assertEqual(
            (wizard.xyz_risk_method, wizard.xyz_risk_p_alive, wizard.xyz_expected_purchases_days),
            ("rule", 0.5, 90),
        )
        wizard.write(
            {"xyz_risk_method": "model", "xyz_risk_p_alive": 0.3, "xyz_expected_purchases_days": 30}
        )
        wizard.action_save()
        self.assertEqual(
            self.company._xyz_model_settings(),
            {
                "xyz_risk_method": "model",
                "xyz_risk_p_alive": 0.3,
                "xyz_expected_purchases_days": 30,
            },
        )
        # the horizon of the expected purchases follows the setting
        run = self.run_analysis(AS_OF)
        customer = self.customers[0]
        x, t_x, age = self.figures()[customer]
        self.assertAlmostEqual(
            customer.with_company(self.company).classification_expected_purchases,
            bgnbd.expected_purchases(self.model_of(run), 30 / 7, [x], [t_x], [age])[0],
            delta=1e-9,
        )

    def test_who_reads_the_figures(self):
        self.run_analysis(AS_OF)
        for user in (self.manager, self.salesman):
            rows = call_kw(
                self.env["res.partner"].with_user(user),
                "read",
                [self.customers[:1].ids, ["classification_p_alive"]],
                {"context": {"allowed_company_ids": self.company.ids}},
            )
            self.assertGreater(rows[0]["classification_p_alive"], 0)
        with self.assertRaises(AccessError):
            call_kw(
                self.env["res.partner"].with_user(self.portal_user),
                "read",
                [self.customers[:1].ids, ["classification_p_alive"]],
                {},
            )
        # another company's manager sees no row of this company
        rows = call_kw(
            self.env["crm.xyz.classification"].with_user(self.manager_2),
            "search_read",
            [[("classification_p_alive", ">=", 0)], ["partner_id"]],
            {"context": {"allowed_company_ids": self.company_2.ids}},
        )
        self.assertFalse([row for row in rows if row["partner_id"][0] in self.customers.ids])

    # ------------------------------------------------------------ follow-ups
    def test_follow_ups_by_value_then_expected_purchases(self):
        """All orders are of 100: many customers tie on ABC class and amount, and the
        purchases the model expects of them decide who is called first."""
        self.company.write({"xyz_risk_method": "model", "xyz_followup_cap": 3})
        run = self.run_analysis(AS_OF)
        by_hand = self.expected_by_hand(run)
        warned = self.env["crm.xyz.warning"].search([("company_id", "=", self.company.id)])
        self.assertGreater(len(warned), 3)
        rows = {
            row.partner_id: row
            for row in self.env["crm.xyz.classification"].search(
                [("company_id", "=", self.company.id)]
            )
        }

        def value(episode):
            row = rows[episode.partner_id]
            return (
                row.abc_class or "~",
                -row.classification_amount,
                -by_hand[episode.partner_id][1],
                episode.id,
            )

        expected = sorted(warned, key=value)[:3]
        self.assertEqual(
            warned.filtered("followup_date"), self.env["crm.xyz.warning"].union(*expected)
        )
        self.assertEqual((run.followup_count, run.followup_waiting_count), (3, len(warned) - 3))
        # flagged by the model, the follow-up says so
        activity = expected[0].activity_id
        self.assertIn("likely to still buy", activity.with_context(lang="en_US").summary)

    def test_the_upgrade_fills_the_figures_as_the_next_run_finds_them(self):
        """The rows of the previous release lack the first sale and the sale days: the
        migration fills them from the customers' sale days as of the last run (the former
        table, whose structure the report's summary of sale days keeps), so that the next
        run rewrites nobody for them."""
        self.run_analysis(AS_OF)
        self.env["crm.xyz.report.summary"]._refresh(self.env.cr.now())
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT partner_id, classification_first_sale_date, classification_sale_days
                 FROM crm_xyz_classification WHERE company_id = %s ORDER BY partner_id""",
            [self.company.id],
        )
        stored = self.env.cr.fetchall()
        self.env.cr.execute(
            """UPDATE crm_xyz_classification
                  SET classification_first_sale_date = NULL, classification_sale_days = NULL
                WHERE company_id = %s""",
            [self.company.id],
        )
        self.env.cr.execute(model_queries.fill_figures(report_summaries.SALE_DAYS_TABLE))
        self.env.cr.execute(
            """SELECT partner_id, classification_first_sale_date, classification_sale_days
                 FROM crm_xyz_classification WHERE company_id = %s ORDER BY partner_id""",
            [self.company.id],
        )
        self.assertEqual(self.env.cr.fetchall(), stored)
        self.env.invalidate_all()
        self.assertEqual(self.run_analysis(AS_OF).changed_count, 0)
