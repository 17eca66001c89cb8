from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestSmoke(TransactionCase):
    def test_addon_installed(self):
        module = self.env["ir.module.module"].search([("name", "=", "crm_xyz_addon")])
        self.assertEqual(module.state, "installed")
