from odoo import api, fields, models

from ..tools import classification_tables
from .res_partner import ABC_CLASSES, RELATIONSHIP_STAGES, TRENDS, XYZ_CLASSES

# the rows of the customer portfolio: regular customers by ABC class, the others by stage
PORTFOLIO_ROWS = [
    ("A", "A"),
    ("B", "B"),
    ("C", "C"),
    ("one_off", "One-off"),
    ("lost", "Lost"),
    ("potential", "Potential"),
]


class CrmXyzClassification(models.Model):
    """The classification of one customer (commercial partner) in one company.

    The analysis writes these rows in set-based SQL (``crm.xyz.run``); sales managers
    set the manual values through the partner form, whose classification fields read
    and write the row of the current company. The table is narrow and created by
    hand (see ``init``): a rewrite of every customer each night must not pay for
    res_partner's many indexes nor for foreign-key checks it does not need.
    """

    _name = "crm.xyz.classification"
    _description = "Customer Classification"
    _order = "classification_amount desc nulls last, id"
    _rec_name = "partner_id"
    # the table is made by init(): only the partner's foreign key is kept (its
    # deletion cascades, and Odoo's contact merge finds the table through it)
    _auto = False
    _log_access = False

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        related="partner_id.user_id",
        store=True,
        readonly=True,
    )
    relationship_stage = fields.Selection(
        RELATIONSHIP_STAGES,
        string="Stage",
        compute="_compute_effective",
        store=True,
        help="The manual stage where a sales manager set one, else the automatic one.",
    )
    abc_class = fields.Selection(
        ABC_CLASSES, string="ABC Class", compute="_compute_effective", store=True
    )
    xyz_class = fields.Selection(
        XYZ_CLASSES, string="XYZ Class", compute="_compute_effective", store=True
    )
    relationship_stage_auto = fields.Selection(
        RELATIONSHIP_STAGES, string="Automatic Stage", readonly=True
    )
    abc_class_auto = fields.Selection(ABC_CLASSES, string="Automatic ABC Class", readonly=True)
    xyz_class_auto = fields.Selection(XYZ_CLASSES, string="Automatic XYZ Class", readonly=True)
    relationship_stage_manual = fields.Selection(RELATIONSHIP_STAGES, string="Manual Stage")
    abc_class_manual = fields.Selection(ABC_CLASSES, string="Manual ABC Class")
    xyz_class_manual = fields.Selection(XYZ_CLASSES, string="Manual XYZ Class")
    relationship_stage_prev = fields.Selection(
        RELATIONSHIP_STAGES, string="Previous Stage", readonly=True
    )
    abc_class_prev = fields.Selection(ABC_CLASSES, string="Previous ABC Class", readonly=True)
    xyz_class_prev = fields.Selection(XYZ_CLASSES, string="Previous XYZ Class", readonly=True)
    relationship_trend = fields.Selection(TRENDS, string="Stage Trend", readonly=True)
    classification_amount = fields.Float(string="Amount", readonly=True, digits="Account")
    classification_purchase_count = fields.Integer(string="Purchases", readonly=True)
    classification_cv = fields.Float(
        string="CV (%)", readonly=True, digits=(16, 2), aggregator=False
    )
    classification_last_sale_date = fields.Date(string="Last Sale", readonly=True)
    analysis_date = fields.Date(
        string="Last Changed On", readonly=True, help="The analysis that last changed the row."
    )
    classification_date = fields.Date(
        string="Classified On",
        compute="_compute_classification_date",
        help="The last analysis of the company, or for a customer it no longer classifies "
        "(archived, or moved to another company), the last one that did.",
    )
    # the early warning: a customer that buys at a steady pace and has stopped
    classification_typical_interval = fields.Float(
        string="Usually Buys Every (days)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="The median number of days between its last 13 sale days (3 sale days at least).",
    )
    # counted from the analysis date when read: unchanged customers are not rewritten nightly
    classification_days_since_sale = fields.Integer(
        string="Days Since Last Sale", compute="_compute_classification_date"
    )
    classification_expected_date = fields.Date(
        string="Next Sale Expected",
        readonly=True,
        help="The last sale day plus the typical interval.",
    )
    classification_at_risk = fields.Boolean(
        string="At Risk",
        readonly=True,
        help="Regular or one-off, and no sale for longer than the risk factor times its typical "
        "interval (and at least the minimum number of days).",
    )
    classification_at_risk_prev = fields.Boolean(
        string="At Risk Before", readonly=True, help="At risk after the previous analysis date."
    )
    at_risk_count = fields.Integer(
        string="At Risk (count)",
        compute="_compute_at_risk_count",
        store=True,
        help="1 for a customer at risk: the portfolio counts them.",
    )
    portfolio_row = fields.Selection(
        PORTFOLIO_ROWS,
        string="Portfolio",
        compute="_compute_portfolio",
        store=True,
        help="Regular customers by ABC class, the others by stage.",
    )
    classification_trend_arrow = fields.Char(string="Trend Arrow", compute="_compute_arrow")

    @api.depends(
        "relationship_stage_manual",
        "relationship_stage_auto",
        "abc_class_manual",
        "abc_class_auto",
        "xyz_class_manual",
        "xyz_class_auto",
    )
    def _compute_effective(self):
        for row in self:
            row.relationship_stage = row.relationship_stage_manual or row.relationship_stage_auto
            row.abc_class = row.abc_class_manual or row.abc_class_auto
            row.xyz_class = row.xyz_class_manual or row.xyz_class_auto

    @api.depends(
        "analysis_date",
        "classification_last_sale_date",
        "relationship_stage_auto",
        "company_id.xyz_last_run_id",
        "partner_id.active",
        "partner_id.company_id",
    )
    def _compute_classification_date(self):
        for row in self:
            partner = row.partner_id.sudo()
            classified_now = (
                row.relationship_stage_auto
                and partner.active
                and partner.company_id in (row.company_id, partner.company_id.browse())
            )
            last_run = row.company_id.sudo().xyz_last_run_id.date
            date = last_run if classified_now and last_run else row.analysis_date
            row.classification_date = date
            last_sale = row.classification_last_sale_date
            row.classification_days_since_sale = (
                (date - last_sale).days if date and last_sale else 0
            )

    @api.depends("classification_at_risk")
    def _compute_at_risk_count(self):
        for row in self:
            row.at_risk_count = int(row.classification_at_risk)

    @api.depends("relationship_stage_auto", "abc_class_auto")
    def _compute_portfolio(self):
        for row in self:
            stage = row.relationship_stage_auto
            row.portfolio_row = (row.abc_class_auto or "C") if stage == "regular" else stage

    @api.depends("relationship_trend")
    def _compute_arrow(self):
        for row in self:
            row.classification_trend_arrow = {"up": "↑", "down": "↓"}.get(
                row.relationship_trend, ""
            )

    def init(self):
        classification_tables.create_classification_table(self.env.cr, self)

    def action_open_partner(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
        }

    def action_run_xyz_analysis(self):
        """'Run analysis now' of the XYZ analysis list (sales managers)."""
        return self.env["crm.xyz.run"].action_run_now()
