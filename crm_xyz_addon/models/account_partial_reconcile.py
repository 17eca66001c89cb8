from odoo import api, models

from ..tools import report_summaries


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        # the manager report's payments received (deleted with the partial, by cascade)
        self.env["crm.xyz.received.payment"].sudo()._record(partials)
        return partials

    def unlink(self):
        if self.ids:
            # the days of the payments received that go with them, for the report's summaries
            report_summaries.log_changes(self.env, report_summaries.log_payment_changes(self.ids))
        return super().unlink()
