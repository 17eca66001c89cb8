from odoo import api, fields, models
from odoo.tools import sql as sqltools

from ..tools import classification_tables
from ..tools.vocabulary import ABC_SELECTION, STAGE_SELECTION, TREND_SELECTION, XYZ_SELECTION

HISTORY_KINDS = [("analysis", "Analysis"), ("manual", "Manual")]


class CrmXyzHistory(models.Model):
    """One row per change of a customer's automatic stage or classes (written by the
    analysis), or of its manual stage or classes (written when a sales manager sets or
    clears an override: from and to are then the effective values)."""

    _name = "crm.xyz.history"
    _description = "Customer Classification Change"
    _order = "date desc, id desc"
    _rec_name = "partner_id"
    # made by init() with the customer's foreign key only: the first analysis of a
    # large company writes a row per customer, and a key check per row and column
    # costs more than the row itself
    _auto = False
    # who set a manual override (create_uid), when
    _log_access = True

    date = fields.Date(required=True, readonly=True)
    # the manager report counts only the analysis's changes
    kind = fields.Selection(
        HISTORY_KINDS,
        string="Change",
        required=True,
        default="analysis",
        readonly=True,
        help="Analysis: the automatic classification changed. "
        "Manual: a sales manager set or cleared an override.",
    )
    run_id = fields.Many2one("crm.xyz.run", string="Analysis", readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        readonly=True,
        help="The customer's salesperson at the time of the change.",
    )
    old_stage = fields.Selection(STAGE_SELECTION, readonly=True)
    new_stage = fields.Selection(STAGE_SELECTION, readonly=True)
    old_abc_class = fields.Selection(ABC_SELECTION, string="Old ABC", readonly=True)
    new_abc_class = fields.Selection(ABC_SELECTION, string="New ABC", readonly=True)
    old_xyz_class = fields.Selection(XYZ_SELECTION, string="Old XYZ", readonly=True)
    new_xyz_class = fields.Selection(XYZ_SELECTION, string="New XYZ", readonly=True)
    stage_trend = fields.Selection(TREND_SELECTION, readonly=True)

    def init(self):
        # append-only and written a row per customer by a first analysis: no foreign key
        # at all; res.partner.unlink(), crm.xyz.run.unlink() and the contact merge look
        # after its customers and runs
        classification_tables.create_table(self.env.cr, self)
        for name, columns in (
            ("crm_xyz_history_partner_idx", ["partner_id"]),
            ("crm_xyz_history_run_idx", ["run_id"]),
            # the manager report: a company's changes over a period
            ("crm_xyz_history_company_date_idx", ["company_id", "date"]),
        ):
            sqltools.create_index(self.env.cr, name, self._table, columns)

    @api.autovacuum
    def _gc_dangling(self):
        """Delete the rows whose customer or run was deleted in SQL, past the unlink()
        that deletes their rows (see classification_tables). In Odoo's daily clean-up,
        not in the nightly analysis: it reads the whole history, which grows every night."""
        self.env.flush_all()
        self.env.cr.execute(classification_tables.DELETE_DANGLING_HISTORY)
        if self.env.cr.rowcount:
            self.invalidate_model()
        return self.env.cr.rowcount
