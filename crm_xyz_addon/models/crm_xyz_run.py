import logging
import time
from datetime import date, datetime, timedelta
from datetime import time as dt_time

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools import classification as calc
from ..tools import classification_query as queries

_logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 5000
STAGE_COUNTS = {
    "potential": "potential_count",
    "one_off": "one_off_count",
    "regular": "regular_count",
    "lost": "lost_count",
}
CLASS_COUNTS = {
    "A": "a_count",
    "B": "b_count",
    "C": "c_count",
    "X": "x_count",
    "Y": "y_count",
    "Z": "z_count",
}
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
    missing_rate_count = fields.Integer(
        string="Documents Without Rate",
        readonly=True,
        help="Documents of the window in a foreign currency with no exchange rate on or before "
        "their date: Odoo converted them at the first rate of the currency, or 1.0 without any.",
    )
    history_ids = fields.One2many("crm.xyz.history", "run_id", string="Changes", readonly=True)

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
        return datetime.now(pytz.timezone(company.partner_id.tz or "UTC")).date()

    @api.model
    def _analysis_date(self, value, company):
        """The date of `value` (a date or "YYYY-MM-DD"; the company's today when empty).

        Refused unless it is not after the company's today and its whole window
        (N sub-periods before it) is made of valid dates.
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
                    value=value,
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
        settings = company._xyz_settings()
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
        run.write({**counts, "state": "done", "duration": time.monotonic() - started})
        company.sudo().xyz_last_run_id = run
        self.env["crm.xyz.completeness.snapshot"]._take(company, as_of)
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

    def _classify(self, company, as_of):
        """Stream the aggregate, compute the classes in Python, write back per batch."""
        self.ensure_one()
        self.env.flush_all()
        settings = company._xyz_settings()
        params = self._query_params(company, as_of, settings)
        query = queries.classification_query(settings["xyz_source"], settings["xyz_parameter"])
        batch_size = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("crm_xyz_addon.batch_size", DEFAULT_BATCH_SIZE)
        )
        counts = dict.fromkeys(
            [
                "customer_count",
                "changed_count",
                "missing_rate_count",
                *STAGE_COUNTS.values(),
                *CLASS_COUNTS.values(),
            ],
            0,
        )
        # a server-side cursor keeps memory flat whatever the number of customers
        with self.env.cr._cnx.cursor(name=f"crm_xyz_run_{self.id}") as stream:
            stream.itersize = batch_size
            stream.execute(query, params)
            while rows := stream.fetchmany(batch_size):
                self._apply_batch(rows, company, as_of, settings, counts)
        self.env["res.partner"].invalidate_model()
        self.env["crm.xyz.history"].invalidate_model()
        return counts

    @api.model
    def _query_params(self, company, as_of, settings):
        tz = company.partner_id.tz or "UTC"
        next_day = datetime.combine(as_of + timedelta(days=1), dt_time.min)
        cutoff_utc = pytz.timezone(tz).localize(next_day).astimezone(pytz.utc).replace(tzinfo=None)
        bounds = calc.period_bounds(
            as_of, settings["xyz_period_unit"], settings["xyz_period_count"]
        )
        return {
            "company_id": company.id,
            "company_key": str(company.id),
            "root_company_id": company.root_id.id,
            "currency_id": company.currency_id.id,
            "as_of": as_of,
            "tz": tz,
            "cutoff_utc": cutoff_utc,
            "thresholds": calc.bucket_thresholds(bounds),
            "digits": company.currency_id.decimal_places,
        }

    def _apply_batch(self, rows, company, as_of, settings, counts):
        updates = {name: [] for name, _kind in queries.PARTNER_COLUMNS}
        updates["partner_ids"] = []
        history = {name: [] for name, _kind in queries.HISTORY_COLUMNS}
        for row in rows:
            partner_id, stored, user_id = row[0], row[10:22], row[22]
            counts["missing_rate_count"] += row[23]
            new = self._classify_row(row, as_of, settings)
            if new[0]:
                counts["customer_count"] += 1
                counts[STAGE_COUNTS[new[0]]] += 1
                for cls in new[1:3]:
                    if cls:
                        counts[CLASS_COUNTS[cls]] += 1
            if tuple(new) == tuple(stored):
                continue
            counts["changed_count"] += 1
            updates["partner_ids"].append(partner_id)
            for (name, _kind), value in zip(queries.PARTNER_COLUMNS, new, strict=True):
                updates[name].append(value)
            if new[:3] != tuple(stored[:3]):
                for name, value in zip(
                    (
                        "partner_id",
                        "user_id",
                        "old_stage",
                        "new_stage",
                        "old_abc_class",
                        "new_abc_class",
                        "old_xyz_class",
                        "new_xyz_class",
                        "stage_trend",
                    ),
                    (
                        partner_id,
                        user_id,
                        stored[0],
                        new[0],
                        stored[1],
                        new[1],
                        stored[2],
                        new[2],
                        calc.trend(stored[0], new[0]),
                    ),
                    strict=True,
                ):
                    history[name].append(value)
        if updates["partner_ids"]:
            self.env.cr.execute(
                queries.partner_update_query(), {**updates, "company_key": str(company.id)}
            )
        if history["partner_id"]:
            self.env.cr.execute(
                queries.history_insert_query(),
                {
                    **history,
                    "as_of": as_of,
                    "run_id": self.id,
                    "company_id": company.id,
                    "uid": self.env.uid,
                },
            )

    @api.model
    def _classify_row(self, row, as_of, settings):
        """New stored values of one partner, in PARTNER_COLUMNS order."""
        (
            _partner_id,
            total,
            in_window,
            before_window,
            last_sale_date,
            buckets,
            amounts,
            cum_before,
            grand_total,
            is_potential,
        ) = row[:10]
        stored = row[10:22]
        has_sales = total is not None
        if not has_sales and not is_potential:
            return (None,) * len(queries.PARTNER_COLUMNS)
        stage = calc.relationship_stage(
            before_window or 0, in_window or 0, settings["xyz_one_off_max_purchases"]
        )
        abc = (
            calc.abc_class(
                total,
                cum_before or 0,
                grand_total or 0,
                settings["abc_a_percent"],
                settings["abc_b_percent"],
            )
            or None
        )
        xyz = cv = None
        if stage == calc.STAGE_REGULAR:
            values = calc.period_values(buckets, amounts, settings["xyz_period_count"])
            xyz, cv = calc.xyz_class_and_cv(
                values, settings["xyz_x_max_cv"], settings["xyz_y_max_cv"]
            )
            cv = round(cv, 4) if cv is not None else None
        # a second run for the same date compares with the same earlier state: idempotent
        stored_stage, stored_abc, stored_xyz = stored[0:3]
        rerun = stored[11] == as_of
        base = stored[3:6] if rerun else (stored_stage, stored_abc, stored_xyz)
        return (
            stage,
            abc,
            xyz,
            base[0],
            base[1],
            base[2],
            calc.trend(base[0], stage),
            total if has_sales else None,
            in_window if has_sales else None,
            cv,
            last_sale_date,
            as_of,
        )

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
