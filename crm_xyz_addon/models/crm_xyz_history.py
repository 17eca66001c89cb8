from odoo import fields, models

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
        classification_tables.create_history_table(self.env.cr, self)
