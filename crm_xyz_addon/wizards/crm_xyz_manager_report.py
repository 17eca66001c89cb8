import contextlib
import re
from datetime import date, datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tools import format_date

from ..tools import classification as classification_calc
from ..tools import manager_report as calc
from ..tools import manager_report_query as queries

SALESMAN_GROUP = "sales_team.group_sale_salesman"
MANAGER_GROUP = "sales_team.group_sale_manager"
SHOW_FIELDS = {indicator.key: f"show_{indicator.option}" for indicator in calc.INDICATORS}
PUBLIC_KEYS = (
    *(indicator.key for indicator in calc.INDICATORS),
    "score",
    "rank",
    "score_indicator_count",
    "score_indicator_total",
)
RAW_COLUMNS = tuple(column for _query, columns in queries.QUERIES for column in columns)
# the options the lines depend on
LINE_INPUTS = (
    "report_kind",
    "company_id",
    "period",
    "date_from",
    "date_to",
    "show_without_data",
    *SHOW_FIELDS.values(),
)
DATE_FIELDS = ("date_from", "date_to")
# what the server computes: never taken from a client, so the report cannot show forged figures
COMPUTED_FIELDS = (
    "previous_date_from",
    "previous_date_to",
    "line_ids",
    "problem",
    "file_name",
    "currency_id",
    "display_name",
)
# chosen when the report is created (the kind by the menu, the company by the switcher)
CREATE_ONLY_FIELDS = ("report_kind", "company_id")
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class CrmXyzManagerReport(models.TransientModel):
    """The manager performance report and the executive ranking, for a period.

    The screen is this record: the period and the options are its fields, one
    line per salesperson holds his figures. ``get_indicators()`` gives the same
    figures to integrations.
    """

    _name = "crm.xyz.manager.report"
    _description = "Manager Performance Report"

    report_kind = fields.Selection(
        [("performance", "Manager Performance"), ("executive", "Executive Report")],
        string="Report",
        required=True,
        default="performance",
        readonly=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    period = fields.Selection(
        [
            ("this_month", "This Month"),
            ("last_month", "Last Month"),
            ("this_quarter", "This Quarter"),
            ("last_quarter", "Last Quarter"),
            ("this_year", "This Year"),
            ("last_year", "Last Year"),
            ("custom", "Custom Range"),
        ],
        required=True,
        default="last_month",
    )
    date_from = fields.Date(
        string="From", compute="_compute_dates", store=True, readonly=False, precompute=True
    )
    date_to = fields.Date(
        string="To", compute="_compute_dates", store=True, readonly=False, precompute=True
    )
    previous_date_from = fields.Date(
        string="Previous Period From", compute="_compute_previous_period", store=True
    )
    previous_date_to = fields.Date(
        string="Previous Period To", compute="_compute_previous_period", store=True
    )
    value_mode = fields.Selection(
        [("absolute", "Absolute Values"), ("share", "Share of the Team Total (%)")],
        string="Values",
        required=True,
        default="absolute",
        help="Percentages (contact data, lost customers, retention) are shown as they are.",
    )
    compare = fields.Boolean(string="Compare with the Previous Period", default=True)
    show_completeness = fields.Boolean(
        string="Contact Data Completeness",
        default=True,
        help="Share of the salesperson's customers with an email, a phone or mobile and a full "
        "address (street, city, country), on the customer or one of its contacts.",
    )
    show_contacts = fields.Boolean(
        string="Contacts with Customers",
        default=True,
        help="Activities done in the period on his customers and their opportunities and "
        "orders, plus meetings held with them.",
    )
    show_stage_ups = fields.Boolean(
        string="Stages Up",
        default=True,
        help="Customers whose automatic stage went up in the period.",
    )
    show_stage_downs = fields.Boolean(
        string="Stages Down",
        default=True,
        help="Customers whose automatic stage went down in the period.",
    )
    show_lost_share = fields.Boolean(
        string="Lost Customers",
        default=True,
        help="Customers lost in the period against all his customers.",
    )
    show_retention = fields.Boolean(
        string="Customer Retention",
        default=True,
        help="(Customers at the end - new customers) / customers at the start; a customer is "
        "one with a sale in the analysis window of the classification.",
    )
    show_completed_orders = fields.Boolean(
        string="Orders Completed",
        default=True,
        help="His orders confirmed in the period that are fully delivered and fully invoiced.",
    )
    show_revenue = fields.Boolean(
        string="Sales Revenue",
        default=True,
        help="Untaxed amount of his orders confirmed in the period, in company currency.",
    )
    show_profit = fields.Boolean(
        string="Sales Profit",
        default=True,
        help="Margin of his orders confirmed in the period, in company currency.",
    )
    show_payments = fields.Boolean(
        string="Payments Received",
        default=True,
        help="Payments received in the period on his invoices, less refunds paid on his "
        "credit notes, in company currency.",
    )
    show_without_data = fields.Boolean(
        string="Show Salespeople without Data",
        default=True,
        help="Salespeople without customers and without any activity in the period and the "
        "previous one are not ranked; checked, they are listed apart after the others.",
    )
    problem = fields.Char(
        compute="_compute_problem", help="Why the report cannot be computed with these options."
    )
    file_name = fields.Char(compute="_compute_file_name")
    # filled by _refresh_lines() as the user, never by a deferred computation: a salesman
    # gets his own line only
    line_ids = fields.One2many(
        "crm.xyz.manager.report.line", "report_id", string="Salespeople", readonly=True
    )

    # ------------------------------------------------------------ computes
    @api.depends("period")
    def _compute_dates(self):
        today = fields.Date.context_today(self)
        for report in self:
            if report.period == "custom":
                if not report.date_from and not report.date_to:
                    report.date_from, report.date_to = calc.preset_range("this_month", today)
                continue
            report.date_from, report.date_to = calc.preset_range(report.period, today)

    @api.depends("date_from", "date_to")
    def _compute_previous_period(self):
        for report in self:
            if (
                report.date_from
                and report.date_to
                and not calc.period_fault(report.date_from, report.date_to)
            ):
                report.previous_date_from, report.previous_date_to = calc.previous_period(
                    report.date_from, report.date_to
                )
            else:
                report.previous_date_from = report.previous_date_to = False

    @api.depends("report_kind", "company_id", "date_from", "date_to", *SHOW_FIELDS.values())
    def _compute_problem(self):
        for report in self:
            report.problem = report._problem()

    @api.depends("report_kind", "date_from", "date_to")
    def _compute_display_name(self):
        kinds = dict(self._fields["report_kind"]._description_selection(self.env))
        for report in self:
            if report.date_from and report.date_to:
                report.display_name = self.env._(
                    "%(report)s, %(start)s - %(end)s",
                    report=kinds[report.report_kind],
                    start=format_date(self.env, report.date_from),
                    end=format_date(self.env, report.date_to),
                )
            else:
                report.display_name = kinds[report.report_kind]

    @api.depends("report_kind", "date_from", "date_to")
    def _compute_file_name(self):
        kinds = dict(self._fields["report_kind"]._description_selection(self.env))
        for report in self:
            report.file_name = (
                f"{kinds[report.report_kind]} {report.date_from or ''} - {report.date_to or ''}"
            )

    @api.constrains("report_kind", "date_from", "date_to", *SHOW_FIELDS.values())
    def _check_options(self):
        for report in self:
            if problem := report._problem():
                raise ValidationError(problem)

    @api.onchange(*LINE_INPUTS)
    def _onchange_refresh_lines(self):
        self._refresh_lines()

    # ------------------------------------------------------------ CRUD
    @api.model
    def default_get(self, fields_list):
        self._check_caller()
        # the client's context may bring defaults: checked before the ORM converts them
        context = self.env.context
        defaults = {
            name: context[f"default_{name}"] for name in fields_list if f"default_{name}" in context
        }
        self._check_values(defaults, from_client=True)
        return super().default_get(fields_list)

    def onchange(self, values, field_names, fields_spec):
        # the form sends every field back, computed ones included: only its choices are checked
        self._check_caller()
        self._check_values(values, from_client=True)
        return super().onchange(values, field_names, fields_spec)

    @api.model_create_multi
    def create(self, vals_list):
        self._check_caller()
        for vals in vals_list:
            self._check_values(vals, creating=True)
        vals_list = [self._without_preset_dates(vals) for vals in vals_list]
        reports = super().create(vals_list)
        reports._refresh_lines()
        return reports

    def write(self, vals):
        self._check_caller()
        self._check_values(vals)
        if any(name in vals for name in DATE_FIELDS) and "period" not in vals:
            if len(set(self.mapped("period"))) > 1:  # presets and custom ranges: one by one
                for report in self:
                    report.write(vals)
                return True
            vals = self._without_preset_dates(vals, self[:1].period)
        else:
            vals = self._without_preset_dates(vals)
        result = super().write(vals)
        if any(name in vals for name in LINE_INPUTS):
            self._refresh_lines()
        return result

    @api.model
    def _without_preset_dates(self, vals, period=None):
        """The values without the dates when the period is a preset: its dates are computed."""
        period = vals.get("period", period)
        if period and period != "custom":
            return {name: value for name, value in vals.items() if name not in DATE_FIELDS}
        return vals

    # ------------------------------------------------------------ actions
    def action_refresh(self):
        """Compute the lines again, with the documents as they are now."""
        self._check_caller()
        self._refresh_lines()
        return True

    def action_print_pdf(self):
        self._check_caller()
        self.ensure_one()
        self.check_access("read")
        return self.env.ref("crm_xyz_addon.action_report_crm_xyz_manager_report").report_action(
            self
        )

    def action_export_xlsx(self):
        self._check_caller()
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_url",
            "url": f"/crm_xyz_addon/manager_report/{self.id}/xlsx",
            "target": "download",
        }

    # ------------------------------------------------------------ public API
    @api.model
    def get_indicators(self, date_from, date_to, user_ids=None):
        """The indicators of each salesperson of the current company for a period.

        :param date_from: first day of the period (date or "YYYY-MM-DD")
        :param date_to: last day of the period, inclusive
        :param user_ids: the salespeople wanted (default: all the salespeople the
            current user may see: everyone for a sales manager, himself for a
            salesman)
        :return: one dict per salesperson, best rank first, with ``user_id``,
            ``contact_completeness_pct``, ``contacts_count``, ``stage_ups``,
            ``stage_downs``, ``lost_share_pct``, ``retention_pct``,
            ``completed_orders``, ``revenue``, ``profit``, ``payments`` (amounts
            in company currency), ``score`` (0-100, with the weights of the
            settings) and ``rank`` (among the whole team; equal scores share a
            rank), ``score_indicator_count`` (the weighed indicators known for
            him, which his score rests on) and ``score_indicator_total`` (the
            weighed indicators). A value that cannot be known is None: a
            percentage without a base (retention without customers at the
            start, completeness of a past period without a snapshot), the score
            and rank of a salesperson without customers and without activity
            in the period and the previous one (he is not ranked).
        """
        self._check_caller()
        date_from, date_to = self._parse_day(date_from), self._parse_day(date_to)
        if problem := self._period_problem(date_from, date_to):
            raise UserError(problem)
        visible_ids = self._visible_user_ids(self._parse_user_ids(user_ids))
        weights = self.env.company._xyz_weights()
        if not any(weight > 0 for weight in weights.values()):
            raise UserError(self._weights_error())
        rows = self._team_rows(date_from, date_to, weights, visible_ids)[0]
        names = {user.id: user.name for user in self.env["res.users"].sudo().browse(visible_ids)}
        ordered = sorted(visible_ids, key=lambda uid: self._rank_order(rows[uid], names[uid]))
        return [{"user_id": uid, **{key: rows[uid][key] for key in PUBLIC_KEYS}} for uid in ordered]

    @api.model
    def _rank_order(self, row, name):
        """Sort key: the ranked salespeople by rank, then the others; by name within."""
        return (row["rank"] is None, row["rank"] or 0, (name or "").lower())

    # ------------------------------------------------------------ checks
    @api.model
    def _check_caller(self):
        """Only salespeople and sales managers make reports (RPC reaches every public method)."""
        if not self.env.su and not self.env.user.has_group(SALESMAN_GROUP):
            raise AccessError(
                self.env._(
                    "Only salespeople and sales managers may see the performance of salespeople."
                )
            )

    @api.model
    def _check_values(self, vals, creating=False, from_client=False):
        """Refuse, with a message naming it, a value the report cannot take.

        ``from_client``: the values of a form, which holds the computed fields too;
        else values to store, where computed fields (and, after the creation, the
        kind of report and its company) are refused.
        """
        for name, value in vals.items():
            field = self._fields.get(name)
            if field is None:
                continue  # the ORM names unknown fields itself
            label = field._description_string(self.env)
            if from_client:
                if name in COMPUTED_FIELDS:
                    continue
            elif name in COMPUTED_FIELDS or (name in CREATE_ONLY_FIELDS and not creating):
                raise UserError(
                    self.env._(
                        "%(field)s is set by the report itself and cannot be written.",
                        field=label,
                    )
                )
            if field.type == "selection":
                choices = dict(field._description_selection(self.env))
                if not isinstance(value, str) or value not in choices:
                    raise UserError(
                        self.env._(
                            "%(value)s is not a valid %(field)s; choose one of: %(choices)s.",
                            value=repr(value),
                            field=label,
                            choices=", ".join(choices.values()),
                        )
                    )
            elif name in DATE_FIELDS and value:
                self._parse_day(value)
            elif name == "company_id" and not (
                self.env.su
                or (from_client and not value)
                or (
                    isinstance(value, int)
                    and not isinstance(value, bool)
                    and value in self.env.companies.ids
                )
            ):
                raise AccessError(
                    self.env._(
                        "%(value)s is not one of the companies you work in.", value=repr(value)
                    )
                )

    @api.model
    def _parse_day(self, value):
        """A day of a period given as a date or a "YYYY-MM-DD" string; else a UserError."""
        if isinstance(value, date):  # a datetime is a date too: its day
            return value.date() if isinstance(value, datetime) else value
        if isinstance(value, str) and ISO_DAY.fullmatch(value):
            with contextlib.suppress(ValueError):  # "2024-13-01": refused below
                return date.fromisoformat(value)
        if value is None or value is False or value == "":
            raise UserError(self.env._("Give the first and the last day of the period."))
        raise UserError(
            self.env._(
                "%(value)s is not a date: give the days of the period as YYYY-MM-DD.",
                value=repr(value)[:60],
            )
        )

    @api.model
    def _parse_user_ids(self, user_ids):
        """The salespeople asked for, as a list of ids (None: the default ones)."""
        if user_ids is None:
            return None
        if not isinstance(user_ids, list | tuple):
            raise UserError(
                self.env._("%(value)s is not a list of user ids.", value=repr(user_ids)[:60])
            )
        for user_id in user_ids:
            if not isinstance(user_id, int) or isinstance(user_id, bool):
                raise UserError(
                    self.env._(
                        "%(value)s is not a user id: give the salespeople as a list of "
                        "integers.",
                        value=repr(user_id)[:60],
                    )
                )
        return list(user_ids)

    @api.model
    def _period_problem(self, date_from, date_to):
        """The message that explains what is wrong with a period, or ''."""
        fault = calc.period_fault(date_from, date_to)
        if fault == "out_of_range":
            wrong = date_from if not calc.FIRST_DAY <= date_from <= calc.LAST_DAY else date_to
            return self.env._(
                "%(day)s is out of the range of the report: give days from %(first)s to "
                "%(last)s.",
                day=wrong.isoformat(),
                first=format_date(self.env, calc.FIRST_DAY),
                last=format_date(self.env, calc.LAST_DAY),
            )
        if fault == "reversed":
            return self._period_error(date_from, date_to)
        if fault == "too_long":
            return self.env._(
                "The period from %(start)s to %(end)s is longer than %(years)s years: choose a "
                "shorter one.",
                start=format_date(self.env, date_from),
                end=format_date(self.env, date_to),
                years=calc.MAX_YEARS,
            )
        return ""

    def _problem(self):
        """The message that explains why these options cannot give a report, or ''."""
        self.ensure_one()
        if not self.date_from or not self.date_to:
            return self.env._("Give the first and the last day of the period.")
        if problem := self._period_problem(self.date_from, self.date_to):
            return problem
        chosen = self._chosen_keys()
        if not chosen:
            return self.env._("Choose at least one indicator.")
        if self.report_kind == "executive":
            weights = (self.company_id or self.env.company)._xyz_weights()
            if not any(weights[key] > 0 for key in chosen):
                return self._weights_error()
        return ""

    def _period_error(self, date_from, date_to):
        return self.env._(
            "The period starts on %(start)s, after its end on %(end)s.",
            start=format_date(self.env, date_from),
            end=format_date(self.env, date_to),
        )

    def _weights_error(self):
        return self.env._(
            "The chosen indicators all weigh zero in the ranking: choose other indicators, or "
            "give them a weight above zero in Sales > Configuration > Settings."
        )

    def _chosen_keys(self):
        return [key for key, name in SHOW_FIELDS.items() if self[name]]

    # ------------------------------------------------------------ lines
    def _refresh_lines(self):
        """Compute the lines of the report for its options.

        The figures are computed as the current user (a salesman gets his own
        line only) and stored with sudo: nobody may create or change lines himself.
        """
        self._check_caller()
        self.filtered("id").check_access("write")  # saved reports: his own (new ones: a form)
        for report in self:
            commands = [Command.clear()]
            if not report._problem():
                commands += [Command.create(values) for values in report._line_values()]
            if report.id:
                # past the checks of write(), which refuse the lines from anyone else
                super(CrmXyzManagerReport, report.sudo()).write({"line_ids": commands})
            else:  # a form being edited: its lines live in the cache only
                report.sudo().line_ids = commands
        return True

    def _line_values(self):
        """Values of the lines: the visible salespeople, this period and the previous one.

        A value that cannot be known is stored as 0 and named in ``blank_fields``,
        which the screen and the files show blank.
        """
        self.ensure_one()
        report = self.with_company(self.company_id)
        weights = {
            key: weight
            for key, weight in self.company_id._xyz_weights().items()
            if self[SHOW_FIELDS[key]]
        }
        visible_ids = report._visible_user_ids()
        current, previous = report._team_rows(self.date_from, self.date_to, weights, visible_ids)
        if not self.show_without_data:
            visible_ids = [uid for uid in visible_ids if current[uid]["has_data"]]
        digits = self.company_id.currency_id.decimal_places
        names = {
            user.id: user.name or "" for user in self.env["res.users"].sudo().browse(visible_ids)
        }
        if self.report_kind == "executive":
            ordered = sorted(
                visible_ids, key=lambda uid: self._rank_order(current[uid], names[uid])
            )
        else:  # by name, those without data apart after the others
            ordered = sorted(
                visible_ids, key=lambda uid: (not current[uid]["has_data"], names[uid].lower())
            )
        lines = []
        for sequence, uid in enumerate(ordered, start=1):
            now, before = current[uid], previous[uid]
            values = {
                "user_id": uid,
                "sequence": sequence,
                "has_data": now["has_data"],
                "score_basis": self._score_basis(now),
                "score": now["score"],
                "score_prev": before["score"],
                "score_change": calc.difference(now["score"], before["score"], calc.SCORE_DIGITS),
                "rank": now["rank"],
                "rank_prev": before["rank"],
            }
            for indicator in calc.INDICATORS:
                keys = [indicator.key] + ([f"{indicator.key}_share"] if indicator.additive else [])
                for key in keys:
                    places = digits if indicator.kind == "money" and key == indicator.key else 2
                    values[key] = now[key]
                    values[f"{key}_prev"] = before[key]
                    values[f"{key}_change"] = calc.difference(now[key], before[key], places)
            blank = [name for name, value in values.items() if value is None]
            values["blank_fields"] = f" {' '.join(blank)} " if blank else False
            lines.append({name: 0 if value is None else value for name, value in values.items()})
        return lines

    def _score_basis(self, row):
        """What the score of a salesperson rests on, in words."""
        if not row["has_data"]:
            return self.env._("No data")
        return self.env._(
            "%(count)s of %(total)s indicators",
            count=row["score_indicator_count"],
            total=row["score_indicator_total"],
        )

    # ------------------------------------------------------------ figures
    @api.model
    def _visible_user_ids(self, user_ids=None):
        """Salespeople whose figures the current user may see: all for managers, else himself.

        Asked-for ids must be salespeople of the current company.
        """
        self._check_caller()
        user = self.env.user
        if self.env.su or user.has_group(MANAGER_GROUP):
            team_ids = self._team_users().ids
            if user_ids is None:
                return team_ids
            if unknown := sorted(set(user_ids) - set(team_ids)):
                raise UserError(
                    self.env._(
                        "These users are not salespeople of %(company)s: %(ids)s.",
                        company=self.env.company.name,
                        ids=", ".join(map(str, unknown)),
                    )
                )
            return list(dict.fromkeys(user_ids))
        if user_ids is not None and set(user_ids) - {user.id}:
            raise AccessError(
                self.env._("You may only see your own performance; sales managers see everyone's.")
            )
        return [user.id] if user_ids is None else list(dict.fromkeys(user_ids))

    @api.model
    def _team_users(self, extra_user_ids=()):
        """The salespeople of the current company: internal users with sales rights in it."""
        users = (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("share", "=", False),
                    ("company_ids", "in", self.env.company.id),
                    ("groups_id", "in", self.env.ref(SALESMAN_GROUP).id),
                ]
            )
        )
        return users | self.env["res.users"].sudo().browse(extra_user_ids).exists()

    @api.model
    def _team_rows(self, date_from, date_to, weights, extra_user_ids=()):
        """Indicators, shares of the team total, score and rank of every salesperson.

        Returns two dicts by salesperson: the period and the previous one. The
        team is every salesperson of the company (plus ``extra_user_ids``),
        whoever may see them: shares, best values and ranks are the team's. A
        salesperson without customers and without activity in both periods has
        no data (``has_data``): he is not ranked (score and rank None).
        """
        team_ids = self._team_users(extra_user_ids).ids
        periods = (
            self._figures(team_ids, date_from, date_to),
            self._figures(team_ids, *calc.previous_period(date_from, date_to)),
        )
        ranked = [uid for uid in team_ids if any(calc.has_data(rows[uid]) for rows in periods)]
        total_weights = sum(1 for weight in weights.values() if weight > 0)
        for rows in periods:
            for indicator in calc.INDICATORS:
                if indicator.additive:
                    total = sum(row[indicator.key] for row in rows.values())
                    for row in rows.values():
                        row[f"{indicator.key}_share"] = calc.ratio_pct(row[indicator.key], total)
            scores = calc.weighted_scores({uid: rows[uid] for uid in ranked}, weights)
            ranks = calc.competition_ranks(scores)
            for uid, row in rows.items():
                row["has_data"] = uid in scores
                row["score"], row["rank"] = scores.get(uid), ranks.get(uid)
                row["score_indicator_count"] = (
                    len(calc.scored_keys(row, weights)) if uid in scores else 0
                )
                row["score_indicator_total"] = total_weights
        return periods

    @api.model
    def _figures(self, user_ids, date_from, date_to):
        """Absolute indicators of each salesperson: one grouped query per group of indicators."""
        raw = {uid: dict.fromkeys(RAW_COLUMNS, 0) for uid in user_ids}
        if user_ids:
            params = self._query_params(user_ids, date_from, date_to)
            self.env.flush_all()
            with queries.jit_disabled(self.env.cr):
                for query, columns in queries.QUERIES:
                    self.env.cr.execute(query(params))
                    for uid, *values in self.env.cr.fetchall():
                        if uid in raw:
                            raw[uid].update(zip(columns, values, strict=True))
            self._set_completeness_base(raw, params)
        digits = self.env.company.currency_id.decimal_places
        return {uid: self._indicators_from_raw(values, digits) for uid, values in raw.items()}

    @api.model
    def _set_completeness_base(self, raw, params):
        """The figures the completeness of each salesperson is measured on.

        Contact data keeps no history: for a period that ends before today, the
        last snapshot taken in the period (none: unknown); else the customers
        as they are now.
        """
        company_today = self.env["crm.xyz.run"]._company_today(self.env.company)
        if params["date_to"] >= company_today:
            for values in raw.values():
                values["completeness_base"] = values["customers"]
                values["completeness_complete"] = values["complete_customers"]
            return
        for values in raw.values():
            values["completeness_base"] = values["completeness_complete"] = None
        self.env.cr.execute(queries.completeness_snapshot_query(params))
        for uid, customers, complete in self.env.cr.fetchall():
            raw[uid]["completeness_base"], raw[uid]["completeness_complete"] = customers, complete

    @api.model
    def _indicators_from_raw(self, raw, digits):
        return {
            **raw,
            "contact_completeness_pct": calc.ratio_pct(
                raw.get("completeness_complete"), raw.get("completeness_base")
            ),
            "contacts_count": raw["activities_done"] + raw["meetings_held"],
            "stage_ups": raw["stage_ups"],
            "stage_downs": raw["stage_downs"],
            "lost_share_pct": calc.ratio_pct(raw["lost_customers"], raw["customers"]),
            # standard retention rate: (customers at the end - new ones) / customers at the start
            "retention_pct": calc.ratio_pct(
                raw["customers_at_end"] - raw["new_customers"], raw["customers_at_start"]
            ),
            "completed_orders": raw["completed_orders"],
            "revenue": round(float(raw["revenue"]), digits),
            "profit": round(float(raw["profit"]), digits),
            "payments": round(float(raw["payments"]), digits),
        }

    @api.model
    def _query_params(self, user_ids, date_from, date_to):
        company = self.env.company
        tz = pytz.timezone(company.partner_id.tz or "UTC")

        def utc(day):
            """Midnight of a local day of the company, as a naive UTC datetime."""
            return (
                tz.localize(datetime.combine(day, time.min))
                .astimezone(pytz.utc)
                .replace(tzinfo=None)
            )

        settings = company._xyz_settings()
        unit, count = settings["xyz_period_unit"], settings["xyz_period_count"]
        start_as_of = date_from - timedelta(days=1)
        start_window_floor = classification_calc.period_bounds(start_as_of, unit, count)[-1]
        end_window_floor = classification_calc.period_bounds(date_to, unit, count)[-1]
        return {
            "company_id": company.id,
            "user_ids": list(user_ids),
            "date_from": date_from,
            "date_to": date_to,
            "start_utc": utc(date_from),
            "end_utc": utc(date_to + timedelta(days=1)),
            "now_utc": fields.Datetime.now(),
            "tz": tz.zone,
            "source": settings["xyz_source"],
            "digits": company.currency_id.decimal_places,
            "start_as_of": start_as_of,
            "start_window_floor": start_window_floor,
            "end_window_floor": end_window_floor,
            "window_start_utc": utc(start_window_floor + timedelta(days=1)),
        }

    # ------------------------------------------------------------ printing
    def _report_table(self):
        """The report as the screen shows it, for the PDF and the XLSX files.

        Returns a dict: ``title``, ``subtitles`` (lines of text), ``columns``
        (dicts with ``label`` and ``digits``, None for text), ``rows`` and
        ``total`` (lists of values in the order of the columns).
        """
        self.ensure_one()
        Line = self.env["crm.xyz.manager.report.line"]
        names = self._column_fields()
        currency_digits = self.currency_id.decimal_places
        columns = []
        for name in names:
            field = Line._fields[name]
            digits = None
            if field.type == "integer":
                digits = 0
            elif field.type == "monetary":
                digits = currency_digits
            elif field.type == "float":
                digits = field.get_digits(self.env)[1]
            columns.append(
                {"name": name, "label": field._description_string(self.env), "digits": digits}
            )
        rows = [
            [
                line.user_id.name if name == "user_id" else line._value_or_none(name)
                for name in names
            ]
            for line in self.line_ids
        ]
        summable = {name for name in names if self._is_summable(name)}
        total = []
        for index, column in enumerate(columns):
            known = [row[index] for row in rows if row[index] is not None]
            if column["name"] == "user_id":
                total.append(self.env._("Total"))
            elif column["name"] in summable and known:
                total.append(round(sum(known), column["digits"]))
            else:
                total.append(None)
        return {
            "title": dict(self._fields["report_kind"]._description_selection(self.env))[
                self.report_kind
            ],
            "subtitles": self._subtitles(),
            "columns": columns,
            "rows": rows,
            "total": total,
        }

    def _column_fields(self):
        """Names of the line fields shown, in the order of the screen."""
        self.ensure_one()
        share = self.value_mode == "share"
        if self.report_kind == "executive":
            names = ["rank", "user_id", "score", "score_basis"]
            if self.compare:
                names += ["rank_prev", "score_prev"]
        else:
            names = ["user_id"]
        for indicator in calc.INDICATORS:
            if not self[SHOW_FIELDS[indicator.key]]:
                continue
            key = f"{indicator.key}_share" if share and indicator.additive else indicator.key
            names.append(key)
            if self.compare and self.report_kind == "performance":
                names += [f"{key}_prev", f"{key}_change"]
        return names

    @api.model
    def _is_summable(self, name):
        """Counts, amounts and shares add up over the salespeople; percentages do not."""
        base = name.removesuffix("_prev").removesuffix("_change").removesuffix("_share")
        indicator = calc.INDICATORS_BY_KEY.get(base)
        return bool(indicator and indicator.additive)

    def _subtitles(self):
        self.ensure_one()
        lines = [
            self.company_id.name,
            self.env._(
                "Period: %(start)s - %(end)s",
                start=format_date(self.env, self.date_from),
                end=format_date(self.env, self.date_to),
            ),
        ]
        if self.compare:
            lines.append(
                self.env._(
                    "Compared with: %(start)s - %(end)s",
                    start=format_date(self.env, self.previous_date_from),
                    end=format_date(self.env, self.previous_date_to),
                )
            )
        if self.value_mode == "share":
            lines.append(self.env._("Counts and amounts as a percentage of the team total."))
        else:
            lines.append(
                self.env._("Amounts in %(currency)s, untaxed.", currency=self.currency_id.name)
            )
        if self.report_kind == "executive":
            lines.append(
                self.env._(
                    "Score: the weighted mean of the chosen indicators, each measured against the "
                    "best of the team (0 to 100); equal scores share a rank."
                )
            )
        lines.append(
            self.env._(
                "A blank value cannot be known: a percentage with nothing to divide by, the "
                "contact data of a past period without a snapshot, the rank of a salesperson "
                "without data."
            )
        )
        return lines
