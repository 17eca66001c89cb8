import logging
import time
from contextlib import closing
from datetime import date, datetime

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.misc import formatLang

from ..tools import classification as calc
from ..tools import classification_query as queries
from ..tools import company_sales, purchase_model, session_settings, thresholds
from ..tools import purchase_model_query as model_queries
from ..tools.vocabulary import ABC_CLASSES, STAGES, XYZ_CLASSES, count_field
from .res_company import (
    FOLLOWUP_SETTING_FIELDS,
    MODEL_RISK_FIELDS,
    MODEL_SETTING_FIELDS,
    PREVIEW_RISK_FIELDS,
    RISK_SETTING_FIELDS,
    SETTING_FIELDS,
)

_logger = logging.getLogger(__name__)

STAGE_COUNTS = {key: count_field(key) for key in STAGES}
CLASS_COUNTS = {key: count_field(key) for key in (*ABC_CLASSES, *XYZ_CLASSES)}
# what run_analysis returns besides id, date and company: plain numbers for RPC clients
RESULT_FIELDS = (
    "state",
    "duration",
    "customer_count",
    "changed_count",
    *STAGE_COUNTS.values(),
    *CLASS_COUNTS.values(),
    "missing_rate_count",
)


def _shortened(value, size=40):
    """`value` as text for a message, cut to `size` characters (RPC may send anything)."""
    if isinstance(value, int) and value.bit_length() > 128:
        return "…"  # too long to print, and Python refuses to beyond 4,300 digits
    text = str(value) if isinstance(value, str | int | float | date) else repr(value)
    return text if len(text) <= size else text[: size - 1] + "…"


class CrmXyzRun(models.Model):
    """One analysis of the customers of a company as of a date, with its settings and counts."""

    _name = "crm.xyz.run"
    _description = "Customer Classification Run"
    _order = "id desc"
    _rec_name = "date"

    date = fields.Date(string="Analysis Date", required=True, readonly=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    user_id = fields.Many2one(
        "res.users", string="Started By", readonly=True, default=lambda self: self.env.user
    )
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        required=True,
        default="running",
        readonly=True,
    )
    message = fields.Text(readonly=True, help="Why the scheduled analysis of the company failed.")
    duration = fields.Float(string="Duration (s)", readonly=True, digits=(16, 2))
    # the settings used
    xyz_period_unit = fields.Selection(
        selection=lambda self: self.env["res.company"]._fields["xyz_period_unit"].selection,
        string="Sub-period",
        readonly=True,
    )
    xyz_period_count = fields.Integer(string="Sub-periods", readonly=True)
    xyz_source = fields.Selection(
        selection=lambda self: self.env["res.company"]._fields["xyz_source"].selection,
        string="Sales Source",
        readonly=True,
    )
    xyz_parameter = fields.Selection(
        selection=lambda self: self.env["res.company"]._fields["xyz_parameter"].selection,
        string="Parameter",
        readonly=True,
    )
    xyz_one_off_max_purchases = fields.Integer(string="One-off: at most", readonly=True)
    xyz_x_max_cv = fields.Float(string="X: CV up to (%)", readonly=True)
    xyz_y_max_cv = fields.Float(string="Y: CV up to (%)", readonly=True)
    abc_a_percent = fields.Float(string="A (%)", readonly=True)
    abc_b_percent = fields.Float(string="B (%)", readonly=True)
    # the counts
    customer_count = fields.Integer(string="Customers", readonly=True)
    potential_count = fields.Integer(string="Potential", readonly=True)
    one_off_count = fields.Integer(string="One-off", readonly=True)
    regular_count = fields.Integer(string="Regular", readonly=True)
    lost_count = fields.Integer(string="Lost", readonly=True)
    a_count = fields.Integer(string="A", readonly=True)
    b_count = fields.Integer(string="B", readonly=True)
    c_count = fields.Integer(string="C", readonly=True)
    x_count = fields.Integer(string="X", readonly=True)
    y_count = fields.Integer(string="Y", readonly=True)
    z_count = fields.Integer(string="Z", readonly=True)
    changed_count = fields.Integer(string="Customers Changed", readonly=True)
    followup_count = fields.Integer(
        string="Follow-ups Scheduled",
        readonly=True,
        help="Customers that became at risk or whose stage went down, or waited for a follow-up "
        "since, with a follow-up activity for their salesperson scheduled by this run.",
    )
    followup_waiting_count = fields.Integer(
        string="Follow-ups Waiting",
        readonly=True,
        help="Customers still at risk or down a stage whose follow-up waits: their salesperson "
        "had as many new follow-ups that night as the settings allow. The next nights schedule "
        "them, the most valuable customers first, as long as they stay so.",
    )
    followup_unassigned_count = fields.Integer(
        string="Warnings Without Salesperson",
        readonly=True,
        help="Customers that became at risk or whose stage went down but have no salesperson: "
        "no follow-up was scheduled for them.",
    )
    missing_rate_count = fields.Integer(
        string="Documents Without Rate",
        readonly=True,
        help="Documents of the window in a foreign currency with no exchange rate on or before "
        "their date: Odoo converted them at the first rate of the currency, or 1.0 without any.",
    )
    at_risk_count = fields.Integer(
        string="Customers At Risk",
        readonly=True,
        help="Regular and one-off customers at risk after the run, by its method.",
    )
    xyz_risk_method = fields.Selection(
        selection=lambda self: self.env["res.company"]._fields["xyz_risk_method"].selection,
        string="At Risk By",
        readonly=True,
        help="The method that flagged the customers at risk: the purchase model needs a model "
        "fitted by the run, else the typical interval flags them.",
    )
    xyz_risk_p_alive = fields.Float(string="At Risk Below P(alive)", readonly=True, digits=(16, 2))
    # the purchase model (BG/NBD) fitted by the run, in weeks; full precision (float8): the
    # customers' figures are computed from these when read
    bgnbd_fitted = fields.Boolean(string="Purchase Model Fitted", readonly=True)
    bgnbd_r = fields.Float(
        string="r", readonly=True, help="Shape of the gamma distribution of purchase rates."
    )
    bgnbd_alpha = fields.Float(
        string="α (weeks)", readonly=True, help="Scale of the gamma distribution of purchase rates."
    )
    bgnbd_a = fields.Float(
        string="a", readonly=True, help="Beta distribution of the dropout probability: a."
    )
    bgnbd_b = fields.Float(
        string="b", readonly=True, help="Beta distribution of the dropout probability: b."
    )
    bgnbd_customer_count = fields.Integer(
        string="Customers Fitted", readonly=True, help="Customers with a sale up to the date."
    )
    bgnbd_repeat_customer_count = fields.Integer(
        string="Customers With a Repeat Sale",
        readonly=True,
        help="Customers that bought on more than one day: at least 50 are needed.",
    )
    bgnbd_log_likelihood = fields.Float(string="Log-likelihood", readonly=True)
    bgnbd_duration = fields.Float(string="Fit Duration (s)", readonly=True, digits=(16, 3))
    bgnbd_message = fields.Text(
        string="Purchase Model Note", readonly=True, help="Why the run has no purchase model."
    )
    history_ids = fields.One2many("crm.xyz.history", "run_id", string="Changes", readonly=True)
    xyz_not_separating = fields.Boolean(
        string="XYZ Classes Do Not Separate",
        compute="_compute_xyz_separation",
        help="More than 90% of the regular customers are in one XYZ class: the limits say "
        "nothing about them.",
    )
    xyz_separation_warning = fields.Char(
        string="XYZ Separation Warning", compute="_compute_xyz_separation"
    )

    @api.depends("regular_count", "x_count", "y_count", "z_count")
    def _compute_xyz_separation(self):
        for run in self:
            dominant = thresholds.dominant_class(
                {"X": run.x_count, "Y": run.y_count, "Z": run.z_count}, run.regular_count
            )
            run.xyz_not_separating = bool(dominant)
            if not dominant:
                run.xyz_separation_warning = False
                continue
            # the count read before the translated call: the term extractor reads its arguments
            count = run[CLASS_COUNTS[dominant]]
            run.xyz_separation_warning = self.env._(
                "%(share)s%% of the regular customers (%(count)s of %(total)s) are in class "
                "%(xyz_class)s: the XYZ limits do not tell them apart. Choose limits that fit "
                "your customers in the classification settings (Suggest limits).",
                share=formatLang(self.env, 100 * count / run.regular_count, digits=1),
                count=count,
                total=run.regular_count,
                xyz_class=dominant,
            )

    # ------------------------------------------------------------------ actions
    @api.model
    def action_run_now(self):
        """'Run analysis now': analyse the current company and show the run."""
        result = self.run_analysis()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Analysis done"),
                "message": self.env._(
                    "%(count)s customers classified, %(changed)s changed.",
                    count=result["customer_count"],
                    changed=result["changed_count"],
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def action_open_classification_settings(self):
        """The classification settings of the current company (sales managers)."""
        self._check_may_run_analysis()
        return self.env["ir.actions.act_window"]._for_xml_id(
            "crm_xyz_addon.crm_xyz_classification_settings_action"
        )

    # --------------------------------------------------------------- analysis
    @api.model
    def run_analysis(self, as_of=None):
        """Classify the customers of env.company as of `as_of` (default today) and apply it.

        Sales managers only. `as_of` is a date or a "YYYY-MM-DD" string, not after the
        company's today. Returns plain data that RPC can marshal: the run's id, its
        date as "YYYY-MM-DD", company id, state, duration and every count.
        """
        # before anything is read or written, whoever calls and however
        self._check_may_run_analysis()
        company = self.env.company
        as_of = self._analysis_date(as_of, company)
        return self._run_analysis(company, as_of)._result()

    @api.model
    def _check_may_run_analysis(self):
        if not self.env.user.has_group("sales_team.group_sale_manager"):
            raise AccessError(self.env._("Only sales managers may run the analysis."))

    @api.model
    def _company_today(self, company):
        return company._xyz_today()

    @api.model
    def _after_analysis(self, company, as_of):
        """Hook: called once the analysis of ``company`` as of ``as_of`` is written, in
        its transaction (the manager report takes its completeness snapshot)."""

    @api.model
    def _analysis_date(self, value, company, settings=None):
        """The date of `value` (a date or "YYYY-MM-DD"; the company's today when empty).

        Refused unless it is not after the company's today and its whole window
        (N sub-periods before it, by `settings`, the company's by default) is made of
        valid dates.
        """
        today = self._company_today(company)
        if value is None or value is False:
            return today
        try:
            if isinstance(value, str):
                as_of = datetime.strptime(value, "%Y-%m-%d").date()
            elif isinstance(value, datetime):
                as_of = value.date()
            elif isinstance(value, date):
                as_of = value
            else:
                raise TypeError(value)
        except (TypeError, ValueError):
            raise UserError(
                self.env._(
                    'The analysis date "%(value)s" is not a date of the form YYYY-MM-DD.',
                    value=_shortened(value),
                )
            ) from None
        if as_of > today:
            raise UserError(
                self.env._(
                    'The analysis date "%(value)s" is after today (%(today)s) for %(company)s.',
                    value=value,
                    today=today,
                    company=company.display_name,
                )
            )
        settings = settings or company._xyz_settings()
        try:
            calc.period_bounds(as_of, settings["xyz_period_unit"], settings["xyz_period_count"])
        except (OverflowError, ValueError):
            raise UserError(
                self.env._(
                    'The analysis date "%(value)s" is too early: its window of %(count)s '
                    "sub-periods would start before the first day of the calendar.",
                    value=value,
                    count=settings["xyz_period_count"],
                )
            ) from None
        return as_of

    def _result(self):
        """The run as plain data: nothing that JSON or XML-RPC cannot carry."""
        self.ensure_one()
        return {
            "id": self.id,
            # isoformat, not strftime: the year 1 is "0001"
            "date": self.date.isoformat(),
            "company_id": self.company_id.id,
            **{name: self[name] for name in RESULT_FIELDS},
        }

    @api.model
    def _run_analysis(self, company, as_of):
        """Classify the customers of `company` as of the date `as_of`; return the run.

        No access check: run_analysis and the scheduled action are the ways in.
        Everything happens in the caller's transaction: an interrupted run leaves
        nothing behind and the next one does the whole job again.
        """
        company._validate_xyz_settings()
        self.env.cr.execute(queries.lock_query(company.id))
        if not self.env.cr.fetchone()[0]:
            raise UserError(
                self.env._(
                    "An analysis of %(company)s is already in progress; try again when it is done.",
                    company=company.display_name,
                )
            )
        started = time.monotonic()
        run = self.sudo().create(
            {
                "date": as_of,
                "company_id": company.id,
                **company._xyz_settings(),
            }
        )
        counts = run._classify(company, as_of)
        run._fit_purchase_model(company, counts.pop("model_figures", None) or [])
        counts.update(run._flag_at_risk_by_model(company, as_of, counts))
        followups, unassigned, waiting = self.env["crm.xyz.warning"]._follow_up(company, as_of, run)
        run.write(
            {
                **counts,
                "followup_count": followups,
                "followup_unassigned_count": unassigned,
                "followup_waiting_count": waiting,
                "state": "done",
                "duration": time.monotonic() - started,
            }
        )
        company.sudo().xyz_last_run_id = run
        self._after_analysis(company, as_of)
        _logger.info(
            "classified %s customers of %s as of %s in %.1fs, %s changed",
            counts["customer_count"],
            company.name,
            as_of,
            run.duration,
            counts["changed_count"],
        )
        if counts["missing_rate_count"]:
            _logger.warning(
                "%s documents of %s in the window as of %s are in a currency without an "
                "exchange rate on or before their date; Odoo converted them at the first rate "
                "of the currency (1.0 without any)",
                counts["missing_rate_count"],
                company.name,
                as_of,
            )
        return run.sudo(False)

    def _fit_purchase_model(self, company, figures):
        """Fit the purchase model of `company` on `figures` (what the analysis statement
        returns: rows [x, t_x in days, T in days, customers]) and write it on the run,
        with the method that flags the customers at risk: the purchase model needs one,
        else the typical interval does (and the run says why)."""
        self.ensure_one()
        settings = company._xyz_model_settings()
        model, values = self._purchase_model(company, figures)
        method = settings["xyz_risk_method"] if model else "rule"
        if not model:
            _logger.info("%s", values["bgnbd_message"])
        if settings["xyz_risk_method"] == "model" and not model:
            values["bgnbd_message"] = self.env._(
                "%(why)s The customers at risk are flagged by the typical interval instead.",
                why=values["bgnbd_message"],
            )
        self.write(
            {**values, "xyz_risk_method": method, "xyz_risk_p_alive": settings["xyz_risk_p_alive"]}
        )
        return model

    @api.model
    def _purchase_model(self, company, figures):
        """(model or None, run values): the purchase model fitted on `figures`, rows
        [x, t_x in days, T in days, customers] of every customer with a sale."""
        started = time.monotonic()
        frequency, recency_days, age_days, counts = (
            [row[column] for row in figures] for column in range(4)
        )
        values = {"bgnbd_fitted": False, "bgnbd_message": False}
        try:
            model = purchase_model.fit(
                frequency,
                purchase_model.weeks(recency_days),
                purchase_model.weeks(age_days),
                counts,
            )
        except purchase_model.ModelNotFitted as error:
            model = None
            values["bgnbd_message"] = self._model_not_fitted_message(error, company)
            values["bgnbd_customer_count"] = int(sum(counts))
            values["bgnbd_repeat_customer_count"] = error.values.get("count", 0)
        else:
            values.update(
                {
                    "bgnbd_fitted": True,
                    "bgnbd_r": model.r,
                    "bgnbd_alpha": model.alpha,
                    "bgnbd_a": model.a,
                    "bgnbd_b": model.b,
                    "bgnbd_log_likelihood": model.log_likelihood,
                    "bgnbd_customer_count": model.customer_count,
                    "bgnbd_repeat_customer_count": model.repeat_customer_count,
                }
            )
        values["bgnbd_duration"] = time.monotonic() - started
        return model, values

    @api.model
    def _stored_model_figures(self, company, as_of):
        """The figures the purchase model is fitted on, read from the customers' stored
        rows (as of their company's last run), as the analysis statement returns them."""
        self.env.flush_all()
        return [
            list(row)
            for row in self._read_only_rows(
                model_queries.model_figures(model_queries.STORED_FIGURES),
                {"company_id": company.id, "as_of": as_of},
            )
        ]

    def _flag_at_risk_by_model(self, company, as_of, counts):
        """With the purchase model as the method, flag the customers at risk once the run
        has fitted it (by the typical interval when it could not); returns the counts
        that change: the customers changed and at risk."""
        self.ensure_one()
        if company._xyz_model_settings()["xyz_risk_method"] != "model":
            return {}
        model = self._model()
        params = {
            **self._query_params(company, as_of, company._xyz_settings()),
            "risk_method": self.xyz_risk_method,
            **{
                f"bgnbd_{name}": getattr(model, name) if model else None
                for name in purchase_model.PARAMETERS
            },
        }
        self.env.flush_all()
        self.env.cr.execute(queries.flag_at_risk_statement(), params)
        changed, at_risk = self.env.cr.fetchone()
        self.env["crm.xyz.classification"].invalidate_model()
        self.env["res.partner"].invalidate_model()
        return {"changed_count": counts["changed_count"] + changed, "at_risk_count": at_risk}

    @api.model
    def _model_not_fitted_message(self, error, company):
        if error.reason == "too_few_repeat_buyers":
            return self.env._(
                "No purchase model: %(count)s customers of %(company)s bought on more than one "
                "day, and the model needs %(needed)s to be fitted.",
                count=error.values["count"],
                company=company.display_name,
                needed=error.values["needed"],
            )
        return self.env._(
            "No purchase model for %(company)s: the fit found no maximum of the likelihood "
            "(%(detail)s).",
            company=company.display_name,
            detail=error.values.get("detail", ""),
        )

    def _model(self):
        """The purchase model the run fitted, or None."""
        self.ensure_one()
        if not self.bgnbd_fitted:
            return None
        return purchase_model.PurchaseModel(
            self.bgnbd_r, self.bgnbd_alpha, self.bgnbd_a, self.bgnbd_b
        )

    def _classify(self, company, as_of):
        """Classify and store in one set-based statement; Python only orchestrates."""
        self.ensure_one()
        self.env.flush_all()
        settings = company._xyz_settings()
        # the statement sorts and hashes the whole population once (see session_settings)
        with session_settings.analysis_settings(
            self.env.cr, session_settings.analysis_work_mem(self.env)
        ):
            self.env.cr.execute(
                queries.analysis_statement(settings["xyz_source"], settings["xyz_parameter"]),
                {
                    **self._query_params(company, as_of, settings),
                    "run_id": self.id,
                    "uid": self.env.uid,
                    "now": fields.Datetime.now(),
                },
            )
            counts = dict(zip(queries.ANALYSIS_COUNTS, self.env.cr.fetchone(), strict=True))
        counts.pop("history_count")
        self.env["crm.xyz.classification"].invalidate_model()
        self.env["crm.xyz.history"].invalidate_model()
        self.env["res.partner"].invalidate_model()
        return counts

    @api.model
    def _query_params(self, company, as_of, settings):
        """The parameters of the classification statements: dates, exact thresholds and
        the early warning's settings (those of `settings`, else the company's)."""
        risk = {
            **company._xyz_risk_settings(),
            **company._xyz_model_settings(),
            **{
                name: settings[name]
                for name in (*RISK_SETTING_FIELDS, *MODEL_RISK_FIELDS)
                if name in settings
            },
        }
        tz = company_sales.company_tz(company)
        bounds = calc.period_bounds(
            as_of, settings["xyz_period_unit"], settings["xyz_period_count"]
        )
        return {
            "company_id": company.id,
            "root_company_id": company.root_id.id,
            "currency_id": company.currency_id.id,
            "as_of": as_of,
            "tz": tz,
            "cutoff_utc": company_sales.company_day_end_utc(as_of, tz),
            "thresholds": calc.bucket_thresholds(bounds),
            "digits": company.currency_id.decimal_places,
            "period_count": settings["xyz_period_count"],
            "one_off_max": settings["xyz_one_off_max_purchases"],
            # the decimal the user typed, not the nearest binary float
            "x_max": calc.exact_decimal(settings["xyz_x_max_cv"]),
            "y_max": calc.exact_decimal(settings["xyz_y_max_cv"]),
            "a_percent": calc.exact_decimal(settings["abc_a_percent"]),
            "b_percent": calc.exact_decimal(settings["abc_b_percent"]),
            # the early warning: at risk after this many typical intervals without a sale
            # (an empty factor of `settings` is the company's default, as a run reads it)
            "risk_factor": calc.exact_decimal(
                risk["xyz_risk_factor"] or company._xyz_default("xyz_risk_factor")
            ),
            "risk_min_days": risk["xyz_risk_min_days"] or 0,
            # ... or, with the purchase model, below this P(alive) (flag_at_risk_statement)
            "risk_method": risk["xyz_risk_method"],
            "risk_p_alive": float(risk["xyz_risk_p_alive"]),
        }

    # ------------------------------------------------ preview and suggested limits
    @api.model
    @api.readonly
    def preview_analysis(self, as_of=None, **settings):
        """What an analysis of env.company with `settings` would give; writes nothing.

        Sales managers only. `settings` are any of the classification settings of
        the company (the others keep their saved values); invalid ones raise the
        ValidationError that saving them would. Returns plain data: the number of
        customers by stage, ABC and XYZ class, the share of sales of each ABC class
        in percent, the customers at risk by each method ("at_risk": {"rule": n,
        "model": n, or False without a purchase model}), the method a run would flag
        them by ("at_risk_method") and the purchase model a run would fit
        ("purchase_model": r, alpha, a, b, log_likelihood, customer_count,
        repeat_customer_count; False without one).
        """
        self._check_may_run_analysis()
        company = self.env.company
        settings = self._preview_settings(company, settings)
        as_of = self._analysis_date(as_of, company, settings)
        return self._preview(company, as_of, settings)[0]

    @api.model
    @api.readonly
    def suggest_thresholds(self, as_of=None, x_share=1 / 3, xy_share=2 / 3, **settings):
        """XYZ limits that fit the regular customers of env.company; writes nothing.

        Sales managers only. The X limit is the smallest whole percent at which at
        least `x_share` of the regular customers are X; the Y limit the smallest at
        which at least `xy_share` of them are X or Y (and above the X limit). The
        other settings, the period ones first, are `settings` over the saved ones.
        Returns {"xyz_x_max_cv": float, "xyz_y_max_cv": float}.
        """
        self._check_may_run_analysis()
        _ = self.env._
        company = self.env.company
        settings = self._preview_settings(company, settings)
        as_of = self._analysis_date(as_of, company, settings)
        try:
            x_share, xy_share = thresholds.exact_share(x_share), thresholds.exact_share(xy_share)
        except (TypeError, ValueError, ZeroDivisionError):
            x_share = xy_share = None
        if x_share is None or not 0 < x_share <= xy_share <= 1:
            raise UserError(
                _(
                    "The share of X customers and the share of X or Y customers must be "
                    "fractions with 0 < X ≤ X or Y ≤ 1."
                )
            )
        rows = self._read_only_rows(
            queries.whole_percent_statement(settings["xyz_source"], settings["xyz_parameter"]),
            self._query_params(company, as_of, settings),
        )
        counts = dict(rows)
        if sum(counts.values()) < 3:
            raise UserError(
                _(
                    "Limits can only be suggested from 3 regular customers or more; with these "
                    "settings %(company)s has %(count)s as of %(date)s. Try a longer window or "
                    "a lower number of sales for a one-off customer.",
                    company=company.display_name,
                    count=sum(counts.values()),
                    date=as_of,
                )
            )
        x_limit = thresholds.whole_percent_limit(counts, x_share)
        y_limit = thresholds.whole_percent_limit(counts, xy_share)
        if x_limit is None or y_limit is None:
            raise UserError(
                _(
                    "Too many regular customers of %(company)s have no positive sales in the "
                    "window for any limit to make them X or Y.",
                    company=company.display_name,
                )
            )
        # a limit is above 0, and Y above X
        x_limit = max(x_limit, 1)
        y_limit = max(y_limit, x_limit + 1)
        return {"xyz_x_max_cv": float(x_limit), "xyz_y_max_cv": float(y_limit)}

    @api.model
    def _preview_settings(self, company, overrides):
        """The company's settings with `overrides`, checked as saving them would check them.

        Only the settings the preview uses are accepted: the classification's and those
        that say who is at risk. Any other keyword (a name that is no setting, or one of
        the follow-ups') is refused, not ignored; a bad value gets the error of saving it.
        """
        _ = self.env._
        unused = sorted(set(overrides) - {*SETTING_FIELDS, *PREVIEW_RISK_FIELDS})
        known = {*RISK_SETTING_FIELDS, *MODEL_SETTING_FIELDS, *FOLLOWUP_SETTING_FIELDS}
        unknown = [name for name in unused if name not in known]
        if unknown:
            raise ValidationError(
                _(
                    "These are not settings of the classification: %(names)s.",
                    names=", ".join(name[:40] for name in unknown[:10]),
                )
            )
        # a bad value of the early warning gets the error saving it gives, first
        company._validate_xyz_early_warning(overrides)
        company._validate_xyz_purchase_model(overrides)
        company._validate_xyz_followups(overrides)
        if unused:
            fields = company._fields
            raise ValidationError(
                _(
                    "The preview and the suggested limits do not use these settings of the "
                    "early warning: %(names)s. Leave them out.",
                    names=", ".join(
                        f"{fields[name]._description_string(self.env)} ({name})" for name in unused
                    ),
                )
            )
        settings = {
            **company._xyz_settings(),
            **{name: overrides[name] for name in SETTING_FIELDS if name in overrides},
        }
        company._validate_xyz_settings(settings)
        for name in SETTING_FIELDS:
            if company._fields[name].type == "integer":
                settings[name] = int(settings[name])
        # who is at risk by the settings on the screen, for the preview's figures
        settings.update(
            {name: overrides[name] for name in PREVIEW_RISK_FIELDS if name in overrides}
        )
        return settings

    @api.model
    def _preview(self, company, as_of, settings):
        """(figures, periods) of an analysis with `settings`: see thresholds.summarize.

        The figures also give the customers at risk by each method ("at_risk"; by the
        purchase model: False when the company has too few repeat buyers for one), the
        method a run would flag them by ("at_risk_method") and the purchase model a run
        would fit ("purchase_model": its parameters, or False). False, not None: XML-RPC
        carries no None.
        """
        params = self._query_params(company, as_of, settings)
        [(summary, model_figures, flaggable)] = self._read_only_rows(
            queries.preview_statement(settings["xyz_source"], settings["xyz_parameter"]), params
        )
        figures, periods = thresholds.summarize((*row, None) for row in summary or [])
        model, _values = self._purchase_model(company, model_figures or [])
        figures["at_risk"] = {
            "rule": figures["at_risk"]["rule"] or 0,
            "model": self._count_below_p_alive(model, flaggable or [], params["risk_p_alive"])
            if model
            else False,
        }
        figures["at_risk_method"] = params["risk_method"] if model else "rule"
        figures["purchase_model"] = bool(model) and {
            "r": model.r,
            "alpha": model.alpha,
            "a": model.a,
            "b": model.b,
            "log_likelihood": model.log_likelihood,
            "customer_count": model.customer_count,
            "repeat_customer_count": model.repeat_customer_count,
        }
        return figures, periods

    @api.model
    def _count_below_p_alive(self, model, figures, threshold):
        """How many customers of `figures` (rows [x, t_x in days, T in days, customers])
        have a P(alive) below `threshold`, as flag_at_risk_statement flags them."""
        if not figures:
            return 0
        frequency, recency_days, age_days, counts = (
            [row[column] for row in figures] for column in range(4)
        )
        p_alive = purchase_model.p_alive(
            model,
            frequency,
            purchase_model.weeks(recency_days),
            purchase_model.weeks(age_days),
        )
        return int(
            sum(count for value, count in zip(p_alive, counts, strict=True) if value < threshold)
        )

    @api.model
    def _current_figures(self, company):
        """The figures of the company's stored automatic classification, as _preview's
        (the customers at risk by the method of the last run only)."""
        method = company.xyz_last_run_id.xyz_risk_method or "rule"
        figures = thresholds.summarize(
            self._read_only_rows(
                queries.current_statement(), {"company_id": company.id, "risk_method": method}
            )
        )[0]
        figures["at_risk_method"] = method
        return figures

    @api.model
    def _period_hint(self, settings, periods):
        """Why and how to lengthen the sub-period, when the median regular customer buys in
        fewer than a third of them; False otherwise."""
        longer = thresholds.LONGER_PERIOD.get(settings["xyz_period_unit"])
        if not longer or not thresholds.needs_longer_period(periods, settings["xyz_period_count"]):
            return False
        units = dict(
            self.env["res.company"]._fields["xyz_period_unit"]._description_selection(self.env)
        )
        return self.env._(
            "The median regular customer buys in fewer than a third of the sub-periods "
            "(%(median)s of %(count)s): try a longer sub-period (%(current)s → %(longer)s). "
            "With most sub-periods empty, nearly every customer varies a lot from one "
            "sub-period to the next, and XYZ puts them all in Z.",
            median=self._format_median(thresholds.median(periods)),
            count=settings["xyz_period_count"],
            current=units[settings["xyz_period_unit"]],
            longer=units[longer],
        )

    @api.model
    def _format_median(self, median):
        # a whole number of sub-periods, or a half between the two middle ones
        if median.denominator == 1:
            return str(median.numerator)
        return formatLang(self.env, float(median), digits=1)

    @api.model
    def _read_only_rows(self, statement, params):
        """The rows of a SELECT run in a read-only savepoint, rolled back afterwards.

        The rollback also undoes the SET LOCALs; read-only makes sure that nothing,
        even by mistake, is written by a preview.
        """
        self.env.flush_all()
        cr = self.env.cr
        with closing(cr.savepoint(flush=False)):
            cr.execute("SET LOCAL transaction_read_only = on")
            # the same memory and planner settings as the analysis (see _classify)
            session_settings.set_analysis_settings(cr, session_settings.analysis_work_mem(self.env))
            cr.execute(statement, params)
            return cr.fetchall()

    @api.model
    @api.readonly
    def get_xyz_separation_warning(self):
        """The warning of the last run of env.company when its XYZ classes do not separate.

        For the XYZ analysis: False, or plain data with the message and whether the
        user may open the settings.
        """
        run = self.env.company.xyz_last_run_id
        if not run or not run.xyz_not_separating:
            return False
        return {
            "run_id": run.id,
            "message": run.xyz_separation_warning,
            "can_configure": self.env.user.has_group("sales_team.group_sale_manager"),
        }

    def unlink(self):
        # the history has no foreign key to cascade (see classification_tables): its rows
        # go with their run here, or with Odoo's daily clean-up when the run is deleted in
        # SQL
        self.env["crm.xyz.history"].sudo().search([("run_id", "in", self.ids)]).unlink()
        return super().unlink()

    # ----------------------------------------------------------------- cron
    @api.model
    def _cron_run_analysis(self):
        """Scheduled action: every company, each in a savepoint of the cron's transaction."""
        companies = self.env["res.company"].sudo().search([])
        for done, company in enumerate(companies, start=1):
            as_of = self._company_today(company)
            try:
                # a company whose analysis fails must not cost the others theirs
                with self.env.cr.savepoint():
                    # sudo: the cron user need not be a member of every company
                    self.sudo()._run_analysis(company, as_of)
            except Exception as error:
                if isinstance(error, UserError):
                    _logger.warning("no analysis of %s: %s", company.name, error)
                    message = str(error)
                else:
                    _logger.exception("the analysis of %s failed", company.name)
                    message = f"{type(error).__name__}: {error}"
                # the savepoint rolled the company's work back: record the failure after it
                self.sudo()._record_failed_run(company, as_of, message)
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(companies) - done)

    @api.model
    def _record_failed_run(self, company, as_of, message):
        return self.create(
            {
                "date": as_of,
                "company_id": company.id,
                "state": "failed",
                "message": message,
                **company._xyz_settings(),
            }
        )
