from odoo.tests import tagged

from ..tools import benchmark_floor
from ..tools.benchmark_data import build_benchmark_data
from .common import AS_OF, XyzCommon

CUSTOMERS = 60  # three cycles of the purchase patterns: every stage and class occurs


@tagged("post_install", "-at_install")
class TestBenchmarkSmoke(XyzCommon):
    """The scale benchmark (scripts/bench.py) at a tiny scale, without timing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = build_benchmark_data(
            cls.env, CUSTOMERS, company=cls.company, as_of=AS_OF, salespeople=4, agenda_events=40
        )

    def assert_floor_agrees(self, run):
        benchmark_floor.prepare_floor(self.env.cr)
        stored = benchmark_floor.run_floor(self.env, self.company, AS_OF)
        compared, mismatches = benchmark_floor.compare_with_analysis(self.env, self.company)
        self.assertEqual(mismatches, [], "the floor and run_analysis disagree on these customers")
        self.assertEqual(stored, run.customer_count)
        self.assertEqual(compared, run.customer_count)

    def test_synthetic_data_loads(self):
        counts = self.data.counts
        self.assertEqual(counts["customers"], CUSTOMERS)
        self.assertEqual(counts["salespeople"], 4)
        # about ten confirmed orders per customer, every one of them invoiced but the last days'
        self.assertTrue(8 * CUSTOMERS <= counts["confirmed_orders"] <= 12 * CUSTOMERS, counts)
        self.assertTrue(counts["contacts"] and counts["credit_notes"] and counts["meetings"])
        # the documents read back through the ORM as Odoo would have written them
        orders = self.env["sale.order"].search(
            [("user_id", "in", self.data.salesperson_user_ids), ("state", "=", "sale")]
        )
        self.assertEqual(len(orders), counts["confirmed_orders"])
        for order in orders[:50]:
            self.assertAlmostEqual(
                order.amount_untaxed, sum(order.order_line.mapped("price_subtotal")), places=2
            )
            self.assertEqual(order.partner_id.commercial_partner_id.user_id, order.user_id)
        moves = self.env["account.move"].search(
            [("invoice_user_id", "in", self.data.salesperson_user_ids)]
        )
        self.assertEqual(len(moves), counts["invoices"] + counts["credit_notes"])
        for move in moves[:50]:
            self.assertEqual(move.state, "posted")
            self.assertAlmostEqual(sum(move.line_ids.mapped("balance")), 0, places=2)
            self.assertAlmostEqual(
                move.amount_untaxed_signed, -sum(move.invoice_line_ids.mapped("balance")), places=2
            )
        refund = moves.filtered(lambda move: move.move_type == "out_refund")[:1]
        self.assertLess(refund.amount_untaxed_signed, 0)
        # salespeople are sales users; the agenda salesperson has his open events
        users = self.env["res.users"].browse(self.data.salesperson_user_ids)
        self.assertTrue(all(user.has_group("sales_team.group_sale_salesman") for user in users))
        manager = self.env["res.users"].browse(self.data.manager_user_id)
        self.assertTrue(manager.has_group("sales_team.group_sale_manager"))
        activities = self.env["mail.activity"].search_count(
            [("user_id", "=", self.data.agenda_user_id)]
        )
        self.assertGreaterEqual(activities, 40)

    def test_run_analysis_agrees_with_the_floor(self):
        run = self.run_analysis(AS_OF)
        counts = (
            run.potential_count,
            run.one_off_count,
            run.regular_count,
            run.lost_count,
            run.a_count,
            run.b_count,
            run.c_count,
            run.x_count,
            run.y_count,
            run.z_count,
        )
        self.assertTrue(all(counts), f"every stage and class occurs: {counts}")
        self.assert_floor_agrees(run)
        rerun = self.run_analysis(AS_OF)
        self.assertEqual(rerun.changed_count, 0, "a second run for the same date changes nothing")

    def test_invoice_source_agrees_with_the_floor(self):
        self.company.xyz_source = "invoice"
        run = self.run_analysis(AS_OF)
        self.assertTrue(run.regular_count and run.a_count)
        self.assert_floor_agrees(run)
