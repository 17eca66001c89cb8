from odoo import fields, models


class CrmXyzManagerReportLine(models.TransientModel):
    """The indicators of one salesperson in a manager performance report.

    Only the report writes them (with sudo, from its own figures): users may read
    lines, never create, change or delete them, so an export shows what the server
    computed. The figures are in ``figures``, one entry per indicator of
    ``tools/report_indicators.py`` (and per share of the team total, the score and
    the rank); a value that cannot be known is None there, shown blank.
    """

    _name = "crm.xyz.manager.report.line"
    _description = "Manager Performance Report Line"
    _order = "sequence, id"

    report_id = fields.Many2one(
        "crm.xyz.manager.report", required=True, readonly=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="report_id.company_id", store=True)
    currency_id = fields.Many2one(related="report_id.company_id.currency_id")
    sequence = fields.Integer(readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", required=True, readonly=True)
    has_data = fields.Boolean(
        readonly=True,
        help="Unchecked: no customers and no activity in the period and the previous one; "
        "the salesperson is not ranked.",
    )
    score_basis = fields.Char(
        string="Score Based On",
        readonly=True,
        help="The weighed indicators known for the salesperson: the score is their weighted "
        "mean, the others are left out.",
    )
    # the figures of the salesperson: {name: {"value", "prev", "change"}} for the score,
    # the rank (no change), each indicator by its key and, for counts and amounts,
    # <key>_share (the percentage of the team total); "prev" is the previous period,
    # "change" the difference, None what cannot be known
    figures = fields.Json(readonly=True)

    def _value(self, name, part="value"):
        """A figure of the line (``part``: "value", "prev" or "change"), None when it
        cannot be known."""
        self.ensure_one()
        return ((self.figures or {}).get(name) or {}).get(part)
