from odoo import fields, models

# Each indicator <key> has <key>, <key>_prev (the previous period) and <key>_change
# (current - previous); counts and amounts also have <key>_share, <key>_share_prev
# and <key>_share_change: the same as a percentage of the team total.


def _count(string):
    return fields.Integer(string=string, readonly=True)


def _money(string):
    return fields.Monetary(string=string, readonly=True, currency_field="currency_id")


def _percent(string):
    return fields.Float(string=string, readonly=True, digits=(16, 2))


class CrmXyzManagerReportLine(models.TransientModel):
    """The indicators of one salesperson in a manager performance report.

    Only the report writes them (with sudo, from its own figures): users may read
    lines, never create, change or delete them, so an export shows what the server
    computed. A value that cannot be known is stored as 0 and named in
    ``blank_fields``: the screen and the files show it blank.
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
    # " name name ": the fields whose value cannot be known (shown blank)
    blank_fields = fields.Char(readonly=True)
    score = fields.Float(
        readonly=True,
        digits=(16, 2),
        help="Weighted mean of the chosen indicators, each measured against "
        "the best of the team, from 0 to 100.",
    )
    score_prev = fields.Float(string="Score, Previous", readonly=True, digits=(16, 2))
    score_change = fields.Float(string="Score, Change", readonly=True, digits=(16, 2))
    rank = fields.Integer(readonly=True, help="Equal scores share a rank.")
    rank_prev = fields.Integer(string="Rank, Previous", readonly=True)

    contact_completeness_pct = _percent("Complete Contact Data (%)")
    contact_completeness_pct_prev = _percent("Complete Contact Data (%), Previous")
    contact_completeness_pct_change = _percent("Complete Contact Data (%), Change")

    contacts_count = _count("Contacts")
    contacts_count_prev = _count("Contacts, Previous")
    contacts_count_change = _count("Contacts, Change")
    contacts_count_share = _percent("Contacts (% of Team)")
    contacts_count_share_prev = _percent("Contacts (% of Team), Previous")
    contacts_count_share_change = _percent("Contacts (% of Team), Change")

    stage_ups = _count("Stage Ups")
    stage_ups_prev = _count("Stage Ups, Previous")
    stage_ups_change = _count("Stage Ups, Change")
    stage_ups_share = _percent("Stage Ups (% of Team)")
    stage_ups_share_prev = _percent("Stage Ups (% of Team), Previous")
    stage_ups_share_change = _percent("Stage Ups (% of Team), Change")

    stage_downs = _count("Stage Downs")
    stage_downs_prev = _count("Stage Downs, Previous")
    stage_downs_change = _count("Stage Downs, Change")
    stage_downs_share = _percent("Stage Downs (% of Team)")
    stage_downs_share_prev = _percent("Stage Downs (% of Team), Previous")
    stage_downs_share_change = _percent("Stage Downs (% of Team), Change")

    lost_share_pct = _percent("Lost Customers (%)")
    lost_share_pct_prev = _percent("Lost Customers (%), Previous")
    lost_share_pct_change = _percent("Lost Customers (%), Change")

    retention_pct = _percent("Retention (%)")
    retention_pct_prev = _percent("Retention (%), Previous")
    retention_pct_change = _percent("Retention (%), Change")

    won_back = _count("Customers Won Back")
    won_back_prev = _count("Customers Won Back, Previous")
    won_back_change = _count("Customers Won Back, Change")
    won_back_share = _percent("Customers Won Back (% of Team)")
    won_back_share_prev = _percent("Customers Won Back (% of Team), Previous")
    won_back_share_change = _percent("Customers Won Back (% of Team), Change")

    completed_orders = _count("Completed Orders")
    completed_orders_prev = _count("Completed Orders, Previous")
    completed_orders_change = _count("Completed Orders, Change")
    completed_orders_share = _percent("Completed Orders (% of Team)")
    completed_orders_share_prev = _percent("Completed Orders (% of Team), Previous")
    completed_orders_share_change = _percent("Completed Orders (% of Team), Change")

    revenue = _money("Revenue")
    revenue_prev = _money("Revenue, Previous")
    revenue_change = _money("Revenue, Change")
    revenue_share = _percent("Revenue (% of Team)")
    revenue_share_prev = _percent("Revenue (% of Team), Previous")
    revenue_share_change = _percent("Revenue (% of Team), Change")

    profit = _money("Profit")
    profit_prev = _money("Profit, Previous")
    profit_change = _money("Profit, Change")
    profit_share = _percent("Profit (% of Team)")
    profit_share_prev = _percent("Profit (% of Team), Previous")
    profit_share_change = _percent("Profit (% of Team), Change")

    payments = _money("Payments")
    payments_prev = _money("Payments, Previous")
    payments_change = _money("Payments, Change")
    payments_share = _percent("Payments (% of Team)")
    payments_share_prev = _percent("Payments (% of Team), Previous")
    payments_share_change = _percent("Payments (% of Team), Change")

    def _value_or_none(self, name):
        """The value of a field, None when it cannot be known."""
        self.ensure_one()
        if f" {name} " in (self.blank_fields or ""):
            return None
        return self[name]
