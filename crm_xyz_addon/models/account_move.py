from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def write(self, vals):
        result = super().write(vals)
        if "invoice_user_id" in vals:
            # the payments received on the document count for its new salesperson
            lines = self.line_ids
            partials = lines.matched_debit_ids | lines.matched_credit_ids
            self.env["crm.xyz.received.payment"].sudo()._record(partials)
        return result
