from odoo import api, models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        # the manager report's payments received (deleted with the partial, by cascade)
        self.env["crm.xyz.received.payment"].sudo()._record(partials)
        return partials
