from odoo import models

from ..tools import report_summaries

# what places a customer invoice on a customer of the manager report's summaries
REPORT_KEY_FIELDS = {"invoice_date", "partner_id", "company_id", "move_type"}


class AccountMove(models.Model):
    _inherit = "account.move"

    def write(self, vals):
        if REPORT_KEY_FIELDS & set(vals) and self.ids:
            # the customer the invoices leave, for the manager report's summaries
            report_summaries.log_changes(self.env, report_summaries.log_invoice_changes(self.ids))
        result = super().write(vals)
        if "invoice_user_id" in vals:
            # the payments received on the document count for its new salesperson
            lines = self.line_ids
            partials = lines.matched_debit_ids | lines.matched_credit_ids
            self.env["crm.xyz.received.payment"].sudo()._record(partials)
        return result

    def unlink(self):
        if self.ids:
            report_summaries.log_changes(self.env, report_summaries.log_invoice_changes(self.ids))
        return super().unlink()
