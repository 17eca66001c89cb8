from datetime import timedelta

from odoo.tests import tagged
from odoo.tools import SQL

from .common import AS_OF, XyzCommon

# the rows of the classification and its history whose customer, run or company is gone
DANGLING = SQL(
    """
    SELECT (SELECT COUNT(*) FROM crm_xyz_history history
             WHERE NOT EXISTS (SELECT FROM res_partner p WHERE p.id = history.partner_id)
                OR (history.run_id IS NOT NULL
                    AND NOT EXISTS (SELECT FROM crm_xyz_run r WHERE r.id = history.run_id))),
           (SELECT COUNT(*) FROM crm_xyz_classification row
             WHERE NOT EXISTS (SELECT FROM res_partner p WHERE p.id = row.partner_id))
    """
)


@tagged("post_install", "-at_install")
class TestHistoryCascades(XyzCommon):
    """The classification history has no foreign key (a key check per row costs the
    first analysis most of its time): its rows go with their customer or run by every
    path, through the ORM at once, in SQL at Odoo's daily clean-up (autovacuum)."""

    def dangling(self):
        self.env.flush_all()
        self.env.cr.execute(DANGLING)
        return self.env.cr.fetchone()

    def history(self, **where):
        return self.env["crm.xyz.history"].search(
            [(name, "=", value) for name, value in where.items()]
        )

    def overridden_customer(self, name):
        """A customer without any document whose manual stage a sales manager set: one
        history row, and its classification row."""
        customer = self.create_customer(name)
        customer.with_user(self.manager).with_company(
            self.company
        ).relationship_stage_manual = "regular"
        self.assertEqual(len(self.history(partner_id=customer.id)), 1)
        return customer

    def test_customer_deleted(self):
        by_orm = self.overridden_customer("XYZ Deleted by the ORM")
        in_sql = self.overridden_customer("XYZ Deleted in SQL")
        self.assertEqual(self.dangling(), (0, 0))
        by_orm.unlink()
        self.assertEqual(self.dangling(), (0, 0), "unlink() deletes the history")
        self.env.cr.execute(SQL("DELETE FROM res_partner WHERE id = %s", in_sql.id))
        self.env.invalidate_all()
        # the classification row has its key; the history waits for Odoo's daily clean-up
        self.assertEqual(self.dangling(), (1, 0))
        self.env["crm.xyz.history"]._gc_dangling()
        self.assertEqual(self.dangling(), (0, 0))

    def test_run_deleted(self):
        customer = self.create_customer("XYZ Growing")
        self.create_order(customer, 100, AS_OF - timedelta(days=40))
        first = self.run_analysis(AS_OF - timedelta(days=30))
        self.create_order(customer, 100, AS_OF - timedelta(days=20))
        self.create_order(customer, 100, AS_OF - timedelta(days=10))
        second = self.run_analysis(AS_OF - timedelta(days=5))
        self.assertTrue(self.history(run_id=first.id))
        self.assertTrue(self.history(run_id=second.id))
        second.unlink()
        self.assertFalse(self.history(run_id=second.id), "unlink() deletes the history")
        self.assertEqual(self.dangling(), (0, 0))
        first_rows = len(self.history(run_id=first.id))
        self.env.cr.execute(SQL("DELETE FROM crm_xyz_run WHERE id = %s", first.id))
        self.env.invalidate_all()
        self.assertEqual(self.dangling(), (first_rows, 0))
        self.env["crm.xyz.history"]._gc_dangling()
        self.assertEqual(self.dangling(), (0, 0))

    def test_customers_merged(self):
        keeper = self.create_customer("XYZ Keeper")
        duplicate = self.create_customer("XYZ Duplicate")
        for customer in (keeper, duplicate):
            self.create_order(customer, 100, AS_OF)
        self.run_analysis(AS_OF)
        moved = self.history(partner_id=duplicate.id)
        self.assertTrue(moved)
        self.env["base.partner.merge.automatic.wizard"]._merge(
            (keeper | duplicate).ids, keeper, extra_checks=False
        )
        self.assertFalse(duplicate.exists())
        self.assertEqual(moved.partner_id, keeper, "the history moves to the destination")
        self.assertEqual(self.dangling(), (0, 0))
