from odoo import models

from ..tools import report_summaries

# what places a customer invoice on a customer of the manager report's summaries, or
# takes it out of them (they hold the posted invoices)
REPORT_KEY_FIELDS = {"invoice_date", "partner_id", "company_id", "move_type", "state"}


class AccountMove(models.Model):
    _inherit = "account.move"

    def write(self, vals):
        if REPORT_KEY_FIELDS & set(vals):
            # the customer the posted invoices leave, for the manager report's summaries.
            # They hold posted invoices only, and an invoice that left them was logged
            # then: posting a draft logs nothing.
            posted = self.sudo().filtered(lambda move: move.state == "posted")
            if posted:
                report_summaries.log_changes(
                    self.env, report_summaries.log_invoice_changes(posted.ids)
                )
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
