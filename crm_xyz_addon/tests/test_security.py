from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestAccessRights(TransactionCase):
    def test_every_model_has_access_rights(self):
        """No model of the addons is left without an access rule."""
        models = self.env["ir.model"].search(
            [
                ("model", "=like", "crm.xyz.%"),
                ("transient", "=", False),
            ]
        )
        self.assertTrue(models)
        # an abstract model (the report service) holds no records to give access to
        for model in models.filtered(lambda model: not self.env[model.model]._abstract):
            with self.subTest(model=model.model):
                self.assertTrue(model.access_ids, f"{model.model} has no access rights")
                self.assertTrue(
                    self.env["ir.rule"].search_count([("model_id", "=", model.id)])
                    or not self.env[model.model]._fields.get("company_id"),
                    f"{model.model} has a company but no record rule",
                )

    def test_no_access_right_for_portal_or_public(self):
        outsiders = self.env.ref("base.group_portal") | self.env.ref("base.group_public")
        access = self.env["ir.model.access"].search(
            [
                ("model_id.model", "=like", "crm.xyz.%"),
                ("group_id", "in", outsiders.ids),
            ]
        )
        self.assertFalse(access)
