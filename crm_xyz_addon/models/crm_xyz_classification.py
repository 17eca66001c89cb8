import math
from datetime import date

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools import sql as sqltools
from odoo.tools.query import Query

from ..tools import classification_query, classification_tables
from ..tools import purchase_model_query as model_queries
from ..tools.vocabulary import (
    ABC_SELECTION,
    MANUAL_FIELDS,
    PORTFOLIO_SELECTION,
    STAGE_SELECTION,
    TREND_ARROWS,
    TREND_SELECTION,
    XYZ_SELECTION,
    effective,
    portfolio_row,
)
from .res_company import setting_default

# the figures of the purchase model, computed when read (see purchase_model_query)
MODEL_FIGURES = {
    "classification_p_alive": model_queries.P_ALIVE,
    "classification_expected_purchases": model_queries.EXPECTED_PURCHASES,
}
MODEL_SEARCH_OPERATORS = ("=", "!=", "<", "<=", ">", ">=")
# the horizon of the expected purchases when the company has none (days)
DEFAULT_EXPECTED_PURCHASES_DAYS = setting_default("xyz_expected_purchases_days")

# computed when read (not rewritten every night), searched and sorted through their SQL
COUNTED_WHEN_READ = ("classification_date", "classification_days_since_sale")


# the slots of the purchase model's expressions read from the run: its parameters
RUN_PARAMETERS = {"r": "bgnbd_r", "alpha": "bgnbd_alpha", "a": "bgnbd_a", "b": "bgnbd_b"}


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
        STAGE_SELECTION,
        string="Stage",
        compute="_compute_effective",
        store=True,
        help="The manual stage where a sales manager set one, else the automatic one.",
    )
    abc_class = fields.Selection(
        ABC_SELECTION, string="ABC Class", compute="_compute_effective", store=True
    )
    xyz_class = fields.Selection(
        XYZ_SELECTION, string="XYZ Class", compute="_compute_effective", store=True
    )
    relationship_stage_auto = fields.Selection(
        STAGE_SELECTION, string="Automatic Stage", readonly=True
    )
    abc_class_auto = fields.Selection(ABC_SELECTION, string="Automatic ABC Class", readonly=True)
    xyz_class_auto = fields.Selection(XYZ_SELECTION, string="Automatic XYZ Class", readonly=True)
    relationship_stage_manual = fields.Selection(STAGE_SELECTION, string="Manual Stage")
    abc_class_manual = fields.Selection(ABC_SELECTION, string="Manual ABC Class")
    xyz_class_manual = fields.Selection(XYZ_SELECTION, string="Manual XYZ Class")
    relationship_stage_prev = fields.Selection(
        STAGE_SELECTION, string="Previous Stage", readonly=True
    )
    abc_class_prev = fields.Selection(ABC_SELECTION, string="Previous ABC Class", readonly=True)
    xyz_class_prev = fields.Selection(XYZ_SELECTION, string="Previous XYZ Class", readonly=True)
    relationship_trend = fields.Selection(TREND_SELECTION, string="Stage Trend", readonly=True)
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
        search="_search_classification_date",
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
        string="Days Since Last Sale",
        compute="_compute_classification_date",
        search="_search_classification_days_since_sale",
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
    # the purchase model (BG/NBD): what it needs per customer, written by the analysis
    classification_first_sale_date = fields.Date(
        string="First Sale", readonly=True, help="The first day it bought on, up to the analysis."
    )
    classification_sale_days = fields.Integer(
        string="Sale Days",
        readonly=True,
        aggregator=False,
        help="The number of days it bought on, up to the analysis.",
    )
    # ... and what it says, from those and the parameters of the company's last run
    classification_p_alive = fields.Float(
        string="P(alive)",
        compute="_compute_model_figures",
        search="_search_p_alive",
        aggregator="avg",
        help="The probability that the customer still buys from you, by the purchase model "
        "(BG/NBD) fitted on all the company's customers: from how many days it bought on and "
        "how long ago it last did. 1 for a customer that bought on one day only.",
    )
    classification_expected_purchases = fields.Float(
        string="Expected Purchases",
        compute="_compute_model_figures",
        search="_search_expected_purchases",
        aggregator="sum",
        help="The number of days the customer is expected to buy on in the coming days (the "
        "horizon of the classification settings, 90 by default), by the purchase model.",
    )
    classification_model_known = fields.Boolean(
        string="Purchase Model Known",
        compute="_compute_model_figures",
        help="The company has a purchase model and the customer a sale.",
    )
    at_risk_count = fields.Integer(
        string="At Risk (count)",
        compute="_compute_at_risk_count",
        store=True,
        help="1 for a customer at risk: the portfolio counts them.",
    )
    portfolio_row = fields.Selection(
        PORTFOLIO_SELECTION,
        string="Portfolio",
        compute="_compute_portfolio",
        store=True,
        help="Regular customers by ABC class, the others by stage.",
    )
    classification_trend_arrow = fields.Char(string="Trend Arrow", compute="_compute_arrow")

    @api.depends(*MANUAL_FIELDS, *(automatic for _effective, automatic in MANUAL_FIELDS.values()))
    def _compute_effective(self):
        for row in self:
            for manual, (effective_field, automatic) in MANUAL_FIELDS.items():
                row[effective_field] = effective(row[manual], row[automatic])

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

    def _search_classification_date(self, operator, value):
        return self._search_counted_when_read("classification_date", operator, value)

    def _search_classification_days_since_sale(self, operator, value):
        return self._search_counted_when_read("classification_days_since_sale", operator, value)

    def _search_counted_when_read(self, fname, operator, value):
        """A condition on a figure computed when read, as on a column: its SQL (see
        _field_to_sql) compared as Odoo compares stored fields."""
        query = Query(self.env, self._table, self._table_sql)
        try:
            self._check_search_value(self._fields[fname], value)
            condition = self._condition_to_sql(self._table, fname, operator, value, query)
        except (TypeError, ValueError, OverflowError):
            raise UserError(
                self.env._(
                    '%(field)s cannot be compared with "%(value)s" by "%(operator)s".',
                    field=self._fields[fname]._description_string(self.env),
                    value=str(value)[:40],
                    operator=str(operator)[:12],
                )
            ) from None
        query.add_where(condition)
        return [("id", "in", query)]

    @api.model
    def _check_search_value(self, field, value):
        """ValueError unless `value` (or each of a list) is empty or of the field's type:
        SQL would compare a date column with any text."""
        for item in value if isinstance(value, list | tuple) else [value]:
            if item is False or item is None:
                continue
            if field.type == "date":
                if not isinstance(item, str | date) or not fields.Date.to_date(item):
                    raise ValueError(item)
            elif (
                isinstance(item, bool)
                or not isinstance(item, int | float)
                or not math.isfinite(item)
            ):
                raise ValueError(item)

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        """The figures computed when read as SQL, so that they can be searched, sorted and
        grouped by like the stored ones: those counted from the analysis date, and the
        purchase model's (summed too), with the parameters of the last run of the row's
        company."""
        if fname in MODEL_FIGURES and query is not None:
            self.check_field_access_rights("read", [fname])
            return model_queries.model_sql(MODEL_FIGURES[fname], **self._model_slots(alias, query))
        if fname not in COUNTED_WHEN_READ:
            return super()._field_to_sql(alias, fname, query, flush)
        if query is None:
            raise ValueError(f"{fname} needs a query to join the partner of the row")
        self.check_field_access_rights("read", [fname])
        partner = query.make_alias(alias, "partner_id")
        query.add_join(
            "LEFT JOIN",
            partner,
            "res_partner",
            SQL("%s = %s", SQL.identifier(partner, "id"), SQL.identifier(alias, "partner_id")),
        )
        company = query.make_alias(alias, "company_id")
        query.add_join(
            "LEFT JOIN",
            company,
            "res_company",
            SQL("%s = %s", SQL.identifier(company, "id"), SQL.identifier(alias, "company_id")),
        )

        def column(table_alias, model, name):
            field = self.env[model]._fields[name]
            return SQL.identifier(table_alias, name, to_flush=field if flush else None)

        classified = classification_query.classified_on(
            {
                "row_company_id": column(alias, self._name, "company_id"),
                "row_relationship_stage_auto": column(alias, self._name, "relationship_stage_auto"),
                "row_analysis_date": column(alias, self._name, "analysis_date"),
                "partner_active": column(partner, "res.partner", "active"),
                "partner_company_id": column(partner, "res.partner", "company_id"),
                "last_run_id": column(company, "res.company", "xyz_last_run_id"),
            }
        )
        if fname == "classification_date":
            return classified
        return classification_query.days_since_sale(
            classified, column(alias, self._name, "classification_last_sale_date")
        )

    @api.depends("classification_at_risk")
    def _compute_at_risk_count(self):
        for row in self:
            row.at_risk_count = int(row.classification_at_risk)

    @api.depends("relationship_stage_auto", "abc_class_auto")
    def _compute_portfolio(self):
        for row in self:
            row.portfolio_row = portfolio_row(row.relationship_stage_auto, row.abc_class_auto)

    @api.depends("relationship_trend")
    def _compute_arrow(self):
        for row in self:
            row.classification_trend_arrow = TREND_ARROWS.get(row.relationship_trend, "")

    @api.depends(
        "classification_sale_days",
        "classification_first_sale_date",
        "classification_last_sale_date",
        "company_id.xyz_last_run_id",
        "company_id.xyz_expected_purchases_days",
    )
    def _compute_model_figures(self):
        """P(alive) and the expected purchases, by the same SQL expressions as searching
        and sorting them, for all the rows at once."""
        figures = {}
        ids = [row_id for row_id in self.ids if isinstance(row_id, int)]
        if ids:
            query = self._where_calc([("id", "in", ids)], active_test=False)
            rows = self.env.execute_query(
                query.select(
                    SQL.identifier(self._table, "id"),
                    *(self._field_to_sql(self._table, name, query) for name in MODEL_FIGURES),
                )
            )
            figures = {row_id: (p_alive, expected) for row_id, p_alive, expected in rows}
        for row in self:
            p_alive, expected = figures.get(row.id, (None, None))
            row.classification_p_alive = p_alive or 0.0
            row.classification_expected_purchases = expected or 0.0
            row.classification_model_known = p_alive is not None

    def _model_slots(self, alias, query):
        """The slots of the purchase model's expressions for the row of `alias`: its
        figures, and the parameters and date of its company's last run (joined)."""
        company_alias = query.make_alias(alias, "bgnbd_company")
        run_alias = query.make_alias(alias, "bgnbd_run")
        query.add_join(
            "LEFT JOIN",
            company_alias,
            "res_company",
            SQL(
                "%s = %s", SQL.identifier(company_alias, "id"), SQL.identifier(alias, "company_id")
            ),
        )
        query.add_join(
            "LEFT JOIN",
            run_alias,
            "crm_xyz_run",
            SQL(
                "%s = %s",
                SQL.identifier(run_alias, "id"),
                # the run is the company's last one
                SQL.identifier(
                    company_alias,
                    "xyz_last_run_id",
                    to_flush=self.env["res.company"]._fields["xyz_last_run_id"],
                ),
            ),
        )
        companies, runs = self.env["res.company"], self.env["crm.xyz.run"]

        def column(table_alias, model, name):
            return SQL.identifier(table_alias, name, to_flush=model._fields[name])

        return {
            "sale_days": column(alias, self, "classification_sale_days"),
            "first_sale": column(alias, self, "classification_first_sale_date"),
            "last_sale": column(alias, self, "classification_last_sale_date"),
            "as_of": column(run_alias, runs, "date"),
            **{slot: column(run_alias, runs, name) for slot, name in RUN_PARAMETERS.items()},
            "horizon": SQL(
                "COALESCE(NULLIF(%s, 0), %s)",
                SQL.identifier(
                    company_alias,
                    "xyz_expected_purchases_days",
                    to_flush=companies._fields["xyz_expected_purchases_days"],
                ),
                DEFAULT_EXPECTED_PURCHASES_DAYS,
            ),
        }

    def _search_p_alive(self, operator, value):
        return self._search_model_figure("classification_p_alive", operator, value)

    def _search_expected_purchases(self, operator, value):
        return self._search_model_figure("classification_expected_purchases", operator, value)

    def _search_model_figure(self, fname, operator, value):
        """A condition on P(alive) or the expected purchases, as a subquery on their
        expression (unknown figures are empty: they match "= False" only)."""
        field = self._fields[fname]
        if operator not in MODEL_SEARCH_OPERATORS:
            raise UserError(
                self.env._(
                    "%(field)s can be searched with =, !=, <, <=, > or >= only.",
                    field=field._description_string(self.env),
                )
            )
        query = self._where_calc([], active_test=False)
        expression = self._field_to_sql(self._table, fname, query)
        if value is False or value is None:
            if operator not in ("=", "!="):
                raise UserError(
                    self.env._(
                        "%(field)s can be compared with a number only.",
                        field=field._description_string(self.env),
                    )
                )
            null_test = "IS NULL" if operator == "=" else "IS NOT NULL"
            query.add_where(SQL(f"%s {null_test}", expression))
        else:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise UserError(
                    self.env._(
                        "%(field)s can be compared with a number only.",
                        field=field._description_string(self.env),
                    )
                )
            query.add_where(SQL(f"%s {operator} %s::float8", expression, float(value)))
        return [("id", "in", query)]

    def init(self):
        cr = self.env.cr
        classification_tables.create_table(
            cr, self, fillfactor=classification_tables.CLASSIFICATION_FILLFACTOR
        )
        # the one foreign key: the customer's deletion cascades, and Odoo's contact merge
        # finds the table through it
        if not sqltools.get_foreign_keys(
            cr, self._table, "partner_id", "res_partner", "id", "cascade"
        ):
            sqltools.add_foreign_key(cr, self._table, "partner_id", "res_partner", "id", "cascade")
        # the partner form and the partner's fields read by partner; the analysis scans a
        # company
        sqltools.create_unique_index(
            cr,
            "crm_xyz_classification_partner_company_uniq",
            self._table,
            ["partner_id", "company_id"],
        )
        cr.execute(model_queries.CREATE_WHILE_ALIVE_FUNCTION)

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
