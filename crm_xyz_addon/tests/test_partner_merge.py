from odoo import Command
from odoo.api import call_kw
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import AS_OF, XyzCommon


@tagged("post_install", "-at_install")
class TestPartnerMerge(XyzCommon):
    """Contacts > Merge on classified customers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.admin.company_ids = [Command.link(cls.company.id), Command.link(cls.company_2.id)]
        # the destination: 3 sales; the source: 1 sale and a sale in the other company
        cls.keeper = cls.create_customer("XYZ Keeper", email="buyer@example.com")
        cls.duplicate = cls.create_customer("XYZ Duplicate", email="buyer@example.com")
        for day in (1, 2, 3):
            cls.create_order(cls.keeper, 100, AS_OF.replace(day=day))
        cls.create_order(cls.duplicate, 40, AS_OF)
        cls.create_order(cls.duplicate, 70, AS_OF, company=cls.company_2, user=cls.manager_2)
        cls.run_analysis(AS_OF)
        cls.run_analysis(AS_OF, company=cls.company_2)

    def in_company(self, partner, company):
        return partner.sudo().with_company(company)

    def history(self, partner):
        return self.env["crm.xyz.history"].search([("partner_id", "=", partner.id)])

    def merge(self, user, partners, destination):
        """Contacts > Merge as `user`, through the RPC layer."""
        context = {
            "active_model": "res.partner",
            "active_ids": partners.ids,
            "allowed_company_ids": user.company_ids.ids,
        }
        Wizard = self.env["base.partner.merge.automatic.wizard"].with_user(user)
        wizard = Wizard.browse(
            call_kw(Wizard, "create", [{"dst_partner_id": destination.id}], {"context": context})
        )
        self.assertEqual(wizard.partner_ids, partners)
        call_kw(Wizard, "action_merge", [wizard.ids], {"context": context})
        self.env.invalidate_all()

    def test_merge_keeps_overrides_moves_history_and_reclassifies(self):
        keeper, duplicate = self.keeper, self.duplicate
        self.assertEqual(self.in_company(keeper, self.company).relationship_stage, "regular")
        self.assertEqual(self.in_company(duplicate, self.company).relationship_stage, "one_off")
        # company 1: the keeper has a manual stage, the duplicate a stage and an ABC class;
        # company 2: only the duplicate has an override
        self.in_company(keeper, self.company).relationship_stage_manual = "lost"
        self.in_company(duplicate, self.company).write(
            {"relationship_stage_manual": "potential", "abc_class_manual": "C"}
        )
        self.in_company(duplicate, self.company_2).xyz_class_manual = "Z"
        moved = self.history(duplicate)
        self.assertTrue(moved)
        kept = self.history(keeper)

        self.merge(self.admin, keeper | duplicate, keeper)

        self.assertFalse(duplicate.exists())
        mine = self.in_company(keeper, self.company)
        self.assertEqual(
            (mine.relationship_stage_manual, mine.abc_class_manual, mine.xyz_class_manual),
            ("lost", "C", False),
        )
        # the effective values follow the overrides, the automatic ones are the keeper's
        self.assertEqual(
            (mine.relationship_stage, mine.abc_class, mine.relationship_stage_auto),
            ("lost", "C", "regular"),
        )
        other = self.in_company(keeper, self.company_2)
        self.assertEqual(
            (other.relationship_stage_manual, other.abc_class_manual, other.xyz_class_manual),
            (False, False, "Z"),
        )
        self.assertEqual(other.xyz_class, "Z")
        # the duplicate's history now belongs to the keeper
        self.assertEqual(self.history(keeper), kept | moved)
        self.assertEqual(moved.partner_id, keeper)
        # the next run counts the sales of both
        self.run_analysis(AS_OF)
        mine.invalidate_recordset()
        self.assertEqual(mine.classification_purchase_count, 4)
        self.assertEqual(mine.classification_amount, 340)
        self.assertEqual(
            (mine.relationship_stage_auto, mine.relationship_stage), ("regular", "lost")
        )

    def test_destination_without_classification_takes_the_sources(self):
        newcomer = self.create_customer("XYZ Newcomer", email="buyer@example.com")
        self.in_company(self.duplicate, self.company).abc_class_manual = "B"
        moved = self.history(self.duplicate)
        self.assertEqual(len(moved), 2)  # one per company
        self.merge(self.admin, newcomer | self.duplicate, newcomer)
        merged = self.in_company(newcomer, self.company)
        self.assertEqual((merged.abc_class_manual, merged.abc_class), ("B", "B"))
        self.assertEqual(self.history(newcomer), moved)

    def test_newest_source_override_wins_where_the_destination_has_none(self):
        # company 1: two sources with overrides, the destination without a row; company 2:
        # the destination's own override stays
        newcomer = self.create_customer("XYZ Newcomer", email="buyer@example.com")
        self.in_company(newcomer, self.company_2).abc_class_manual = "A"
        self.in_company(self.keeper, self.company).xyz_class_manual = "X"
        self.in_company(self.duplicate, self.company).xyz_class_manual = "Y"
        self.in_company(self.duplicate, self.company_2).abc_class_manual = "C"
        self.merge(self.admin, newcomer | self.keeper | self.duplicate, newcomer)
        mine = self.in_company(newcomer, self.company)
        # Odoo gives precedence to the later sources: the duplicate is the newest
        self.assertEqual((mine.xyz_class_manual, mine.xyz_class), ("Y", "Y"))
        other = self.in_company(newcomer, self.company_2)
        self.assertEqual((other.abc_class_manual, other.abc_class), ("A", "A"))
        rows = self.env["crm.xyz.classification"].search([("partner_id", "=", newcomer.id)])
        self.assertEqual(len(rows), 2)  # one per company

    def test_salesman_allowed_to_merge_contacts_merges_classified_customers(self):
        # not a sales manager: Odoo's wizard lets him merge contacts with the same email
        self.salesman.groups_id = [Command.link(self.env.ref("base.group_partner_manager").id)]
        self.in_company(self.duplicate, self.company).relationship_stage_manual = "lost"
        self.merge(self.salesman, self.keeper | self.duplicate, self.keeper)
        self.assertFalse(self.duplicate.exists())
        mine = self.in_company(self.keeper, self.company)
        self.assertEqual(
            (mine.relationship_stage_manual, mine.relationship_stage), ("lost", "lost")
        )

    def test_salesman_still_cannot_write_the_classification(self):
        partner = self.keeper.with_user(self.salesman).with_company(self.company)
        with self.assertRaises(AccessError):
            call_kw(partner, "write", [partner.ids, {"abc_class_manual": "C"}], {})
        with self.assertRaises(AccessError):
            call_kw(partner, "write", [partner.ids, {"classification_amount": 1}], {})
        with self.assertRaises(AccessError):
            call_kw(
                self.env["res.partner"].with_user(self.salesman),
                "create",
                [{"name": "Forged", "relationship_stage": "regular"}],
                {},
            )
        # the merge wizard's context key, sent by a client, only takes fields out of the write
        call_kw(
            partner,
            "write",
            [partner.ids, {"abc_class_manual": "C", "ref": "K-1"}],
            {"context": {"crm_xyz_merge_values": True}},
        )
        self.assertFalse(self.in_company(self.keeper, self.company).abc_class_manual)
        self.assertEqual(self.keeper.ref, "K-1")
