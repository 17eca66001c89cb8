from odoo import fields, models, tools

from ..tools import purchase_model_query as model_queries
from ..tools.vocabulary import PORTFOLIO_SELECTION, XYZ_SELECTION
from .crm_xyz_classification import DEFAULT_EXPECTED_PURCHASES_DAYS


class CrmXyzPortfolio(models.Model):
    """The customer portfolio: the classified customers of each company with their share
    of the company's sales, as an SQL view over crm.xyz.classification.

    The share is computed when read: stored, it would change for every customer each
    time any customer buys, and the nightly analysis would rewrite every row for it.
    So are P(alive) and the expected purchases (see purchase_model_query).
    """

    _name = "crm.xyz.portfolio"
    _description = "Customer Portfolio"
    _auto = False
    _rec_name = "partner_id"
    _order = "amount desc, id"

    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    portfolio_row = fields.Selection(PORTFOLIO_SELECTION, string="Portfolio", readonly=True)
    xyz_class = fields.Selection(XYZ_SELECTION, string="XYZ Class", readonly=True)
    amount = fields.Float(readonly=True, digits="Account")
    amount_share = fields.Float(
        string="Share of Sales (%)",
        readonly=True,
        digits=(16, 2),
        help="The customer's share of the company's sales in the analysis window.",
    )
    at_risk = fields.Boolean(readonly=True)
    at_risk_count = fields.Integer(string="At Risk (count)", readonly=True)
    p_alive = fields.Float(
        string="P(alive)",
        readonly=True,
        aggregator="avg",
        help="The probability that the customer still buys from you, by the purchase model.",
    )
    expected_purchases = fields.Float(
        string="Expected Purchases",
        readonly=True,
        help="The number of days the customers are expected to buy on in the coming days (the "
        "horizon of the classification settings), by the purchase model.",
    )

    def init(self):
        # the purchase model's figures, from the parameters of the company's last run; the
        # purchases while alive depend on x and T alone: computed once per distinct pair
        horizon = (
            "COALESCE(NULLIF(company.xyz_expected_purchases_days, 0), "
            f"{DEFAULT_EXPECTED_PURCHASES_DAYS})"
        )
        run = {
            "as_of": "last_run.date",
            "r": "last_run.bgnbd_r",
            "alpha": "last_run.bgnbd_alpha",
            "a": "last_run.bgnbd_a",
            "b": "last_run.bgnbd_b",
        }
        p_alive = model_queries.statement_expression(
            model_queries.P_ALIVE,
            sale_days="c.classification_sale_days",
            first_sale="c.classification_first_sale_date",
            last_sale="c.classification_last_sale_date",
            **run,
        )
        while_alive = model_queries.statement_expression(
            model_queries.WHILE_ALIVE,
            sale_days="pair.sale_days",
            first_sale="pair.first_sale_date",
            horizon=horizon,
            **run,
        )
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"CREATE VIEW {self._table} AS {self._view_query(p_alive, while_alive)}"
        )

    def _view_query(self, p_alive, while_alive):
        # the share of sales against each company's total (a join, not a window: a
        # window would make PostgreSQL sort the rows by company and nest the other join)
        return f"""
            SELECT c.id, c.company_id, c.partner_id, c.user_id, c.portfolio_row,
                   c.xyz_class_auto AS xyz_class,
                   c.classification_amount AS amount,
                   CASE WHEN c.classification_amount > 0
                        THEN 100 * c.classification_amount / NULLIF(totals.amount, 0)
                   END AS amount_share,
                   COALESCE(c.classification_at_risk, FALSE) AS at_risk,
                   c.at_risk_count,
                   {p_alive} AS p_alive,
                   alive.purchases * {p_alive} AS expected_purchases
              FROM crm_xyz_classification c
              JOIN (SELECT company_id,
                           SUM(classification_amount)
                               FILTER (WHERE classification_amount > 0) AS amount
                      FROM crm_xyz_classification
                     WHERE relationship_stage_auto IS NOT NULL
                     GROUP BY company_id) AS totals
                ON totals.company_id = c.company_id
              JOIN res_company company ON company.id = c.company_id
              LEFT JOIN crm_xyz_run last_run ON last_run.id = company.xyz_last_run_id
              LEFT JOIN (
                   SELECT pair.company_id, pair.sale_days, pair.first_sale_date,
                          {while_alive} AS purchases
                     FROM (SELECT DISTINCT company_id,
                                  classification_sale_days AS sale_days,
                                  classification_first_sale_date AS first_sale_date
                             FROM crm_xyz_classification
                            WHERE relationship_stage_auto IS NOT NULL
                              AND classification_first_sale_date IS NOT NULL) AS pair
                     JOIN res_company company ON company.id = pair.company_id
                     JOIN crm_xyz_run last_run ON last_run.id = company.xyz_last_run_id
              ) AS alive
                ON alive.company_id = c.company_id
               AND alive.sale_days = c.classification_sale_days
               AND alive.first_sale_date = c.classification_first_sale_date
             WHERE c.relationship_stage_auto IS NOT NULL
        """

    def action_open_partner(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
        }
