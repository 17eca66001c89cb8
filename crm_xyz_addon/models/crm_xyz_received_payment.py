from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import manager_report_query as queries


class CrmXyzReceivedPayment(models.Model):
    """Money received on a salesperson's customer invoice, or paid back on his credit
    note: one row per reconciliation of a payment with the document.

    The manager report sums a period of them per salesperson without joining a
    year of reconciliations to the journal items of every invoice. The rows
    follow the reconciliations: written when a reconciliation is made (and for
    all of them at install and upgrade), deleted with it, rewritten when the
    document's salesperson changes (see ``manager_report_query.RECEIVED_PAYMENTS``).
    Only the server writes them.
    """

    _name = "crm.xyz.received.payment"
    _description = "Payment Received on a Salesperson's Invoice"
    _order = "date desc, id desc"
    _rec_name = "partial_id"
    _log_access = False

    partial_id = fields.Many2one(
        "account.partial.reconcile",
        string="Reconciliation",
        required=True,
        readonly=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True, ondelete="set null")
    date = fields.Date(string="Payment Date", required=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary(
        readonly=True, help="In company currency; negative: paid back on a credit note."
    )
    # when the row was written: the manager report reads the rows written since its
    # summaries were refreshed from here (crm.xyz.report.summary)
    recorded_at = fields.Datetime(string="Recorded On", readonly=True, index=True)

    _sql_constraints = [
        (
            "partial_unique",
            "UNIQUE (partial_id)",
            "A reconciliation is one payment received.",
        ),
    ]

    def init(self):
        self.env.cr.execute(
            SQL(
                """CREATE INDEX IF NOT EXISTS crm_xyz_received_payment_company_date_idx
                       ON crm_xyz_received_payment (company_id, date) INCLUDE (user_id, amount)"""
            )
        )
        # ... and a few salespeople's (the previous period of those without data)
        self.env.cr.execute(
            SQL(
                """CREATE INDEX IF NOT EXISTS crm_xyz_received_payment_user_date_idx
                       ON crm_xyz_received_payment (company_id, user_id, date) INCLUDE (amount)"""
            )
        )
        # install and upgrade: the reconciliations made before, once
        self.env.cr.execute(SQL("SELECT 1 FROM crm_xyz_received_payment LIMIT 1"))
        if not self.env.cr.fetchone():
            self._record()

    @api.model
    def _record(self, partials=None):
        """Write the payments received by ``partials`` (None: every reconciliation)."""
        if partials is not None and not partials:
            return
        for model, names in queries.RECEIVED_PAYMENTS_FIELDS.items():
            self.env[model].flush_model(names)
        self.flush_model()
        self.env.cr.execute(
            queries.record_received_payments_query(None if partials is None else partials.ids)
        )
        self.invalidate_model()
