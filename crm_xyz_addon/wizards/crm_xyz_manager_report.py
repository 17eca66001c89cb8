from lxml import etree

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tools import format_date

from ..tools import manager_report as calc
from ..tools.report_indicators import GROUPS, INDICATORS, UNIT_DIGITS

SHOW_FIELDS = {indicator.key: indicator.show_field for indicator in INDICATORS}
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
    "indicator_columns",
    "currency_id",
    "display_name",
)
# chosen when the report is created (the kind by the menu, the company by the switcher)
CREATE_ONLY_FIELDS = ("report_kind", "company_id")
# the options whose lines an onchange() call computed already (in the cursor's cache)
LINES_COMPUTED = "crm_xyz_manager_report_lines_computed"


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
        [*calc.PERIODS, ("custom", "Custom Range")],
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
    # one option per indicator (tools/report_indicators.py), laid out by _get_view()
    for _indicator in INDICATORS:
        locals()[_indicator.show_field] = fields.Boolean(
            string=_indicator.option_label._source, default=True, help=_indicator.help._source
        )
    del _indicator
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
    # the columns of the lines on the screen, from the chosen indicators (_screen_columns)
    indicator_columns = fields.Json(compute="_compute_indicator_columns")
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

    @api.depends("report_kind", "value_mode", "compare", "company_id", *SHOW_FIELDS.values())
    @api.depends_context("lang")
    def _compute_indicator_columns(self):
        for report in self:
            report.indicator_columns = report._screen_columns()

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
        # Odoo applies this once per option that changed, and when the screen opens once
        # per option shown: within one onchange() call, the lines of a set of options are
        # computed once
        computed = self.env.cr.cache.get(LINES_COMPUTED)
        for report in self:
            options = tuple(report[name] for name in LINE_INPUTS)
            if computed is not None and computed.get(report) == options:
                continue
            report._refresh_lines()
            if computed is not None:
                computed[report] = options

    # ------------------------------------------------------------ views
    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        """The form lists one option per indicator, a column per group of indicators."""
        arch, view = super()._get_view(view_id, view_type, **options)
        for options_node in arch.iterfind(".//group[@name='indicators']"):
            options_node.set("col", str(len(GROUPS)))
            for group, label in GROUPS:
                column = etree.SubElement(
                    options_node, "group", name=f"indicators_{group}", string=self.env._(label)
                )
                for indicator in INDICATORS:
                    if indicator.group == group:
                        etree.SubElement(column, "field", name=indicator.show_field)
        return arch, view

    # ------------------------------------------------------------ CRUD
    # The screen computes its lines in onchange() on a record that only Print and Export
    # save: read-only, so that Odoo serves it from a replica (db_replica_host) when it
    # has one. Nothing in it writes: the lines of the form live in the cache only.
    @api.model
    @api.readonly
    def default_get(self, fields_list):
        self._check_caller()
        # the client's context may bring defaults: checked before the ORM converts them
        context = self.env.context
        defaults = {
            name: context[f"default_{name}"] for name in fields_list if f"default_{name}" in context
        }
        self._check_values(defaults, from_client=True)
        return super().default_get(fields_list)

    @api.readonly
    def onchange(self, values, field_names, fields_spec):
        # the form sends every field back, computed ones included: only its choices are checked
        self._check_caller()
        self._check_values(values, from_client=True)
        self.env.cr.cache[LINES_COMPUTED] = {}
        try:
            return super().onchange(values, field_names, fields_spec)
        finally:
            self.env.cr.cache.pop(LINES_COMPUTED, None)

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
        """Compute and store the lines again, with the documents as they are now.

        The screen's Refresh recomputes them through onchange instead (read-only,
        nothing saved); this is for RPC clients that keep a saved report."""
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
    @api.readonly
    def get_indicators(self, date_from, date_to, user_ids=None):
        """The indicators of each salesperson of the current company for a period.

        See ``crm.xyz.manager.report.service.get_indicators()``, which computes
        them (with the same checks of the caller and of the arguments).
        """
        return self._service().get_indicators(date_from, date_to, user_ids=user_ids)

    # ------------------------------------------------------------ checks
    @api.model
    def _service(self):
        """The report service, which computes the figures (in this environment)."""
        return self.env["crm.xyz.manager.report.service"]

    @api.model
    def _check_caller(self):
        """Only salespeople and sales managers make reports (RPC reaches every public method)."""
        self._service()._check_caller()

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
                self._service()._parse_day(value)
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

    def _problem(self):
        """The message that explains why these options cannot give a report, or ''."""
        self.ensure_one()
        if not self.date_from or not self.date_to:
            return self.env._("Give the first and the last day of the period.")
        if problem := self._service()._period_problem(self.date_from, self.date_to):
            return problem
        chosen = self._chosen_keys()
        if not chosen:
            return self.env._("Choose at least one indicator.")
        if self.report_kind == "executive":
            weights = (self.company_id or self.env.company)._xyz_weights()
            if not any(weights[key] > 0 for key in chosen):
                return self._service()._weights_error()
        return ""

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

        Each line holds its figures in ``figures`` (see the line model); a value
        that cannot be known is None there, which the screen and the files show
        blank.
        """
        self.ensure_one()
        report = self.with_company(self.company_id)
        weights = {
            key: weight
            for key, weight in self.company_id._xyz_weights().items()
            if self[SHOW_FIELDS[key]]
        }
        service = report._service()
        visible_ids = service._visible_user_ids()
        current, previous = service._team_rows(self.date_from, self.date_to, weights, visible_ids)
        if not self.show_without_data:
            visible_ids = [uid for uid in visible_ids if current[uid]["has_data"]]
        digits = self.company_id.currency_id.decimal_places
        names = {
            user.id: user.name or "" for user in self.env["res.users"].sudo().browse(visible_ids)
        }
        if self.report_kind == "executive":
            ordered = sorted(
                visible_ids, key=lambda uid: service._rank_order(current[uid], names[uid])
            )
        else:  # by name, those without data apart after the others
            ordered = sorted(
                visible_ids, key=lambda uid: (not current[uid]["has_data"], names[uid].lower())
            )
        return [
            {
                "user_id": uid,
                "sequence": sequence,
                "has_data": current[uid]["has_data"],
                "score_basis": self._score_basis(current[uid]),
                "figures": self._figures_of(current[uid], previous[uid], digits),
            }
            for sequence, uid in enumerate(ordered, start=1)
        ]

    @api.model
    def _figures_of(self, now, before, digits):
        """The figures of a line: ``{name: {"value", "prev", "change"}}`` for the score,
        the rank (no change) and each indicator (and its share of the team total
        for counts and amounts: ``<key>_share``)."""
        figures = {
            "score": {
                "value": now["score"],
                "prev": before["score"],
                "change": calc.difference(now["score"], before["score"], calc.SCORE_DIGITS),
            },
            "rank": {"value": now["rank"], "prev": before["rank"]},
        }
        for indicator in INDICATORS:
            names = [indicator.key] + ([f"{indicator.key}_share"] if indicator.additive else [])
            for name in names:
                places = digits if indicator.unit == "money" and name == indicator.key else 2
                figures[name] = {
                    "value": now[name],
                    "prev": before[name],
                    "change": calc.difference(now[name], before[name], places),
                }
        return figures

    def _score_basis(self, row):
        """What the score of a salesperson rests on, in words."""
        if not row["has_data"]:
            return self.env._("No data")
        return self.env._(
            "%(count)s of %(total)s indicators",
            count=row["score_indicator_count"],
            total=row["score_indicator_total"],
        )

    # ------------------------------------------------------------ columns
    def _columns(self):
        """The columns of the report, in the order of the screen, for the PDF and
        the XLSX files: a value, its previous value and its change each in a
        column of its own.

        Dicts with ``name`` (unique), where the value is (``field``: a line
        field; else ``figure`` and ``part``: ``line.figures[figure][part]``),
        ``indicator`` (its key, or None), ``label``, ``digits`` (None for text)
        and ``summable`` (counts, amounts and their shares add up).
        """
        self.ensure_one()
        _ = self.env._
        currency_digits = (self.company_id or self.env.company).currency_id.decimal_places
        compare = self.compare and self.report_kind == "performance"
        columns = []
        if self.report_kind == "executive":
            columns += [
                self._column("rank", _("Rank"), 0, figure="rank"),
                self._column("user_id", _("Salesperson"), None, field="user_id"),
                self._column("score", _("Score"), 2, figure="score"),
                self._column("score_basis", _("Score Based On"), None, field="score_basis"),
            ]
            if self.compare:
                columns += [
                    self._column("rank_prev", _("Rank, Previous"), 0, figure="rank", part="prev"),
                    self._column(
                        "score_prev", _("Score, Previous"), 2, figure="score", part="prev"
                    ),
                ]
        else:
            columns.append(self._column("user_id", _("Salesperson"), None, field="user_id"))
        for indicator, figure, share in self._shown_figures():
            label = _(indicator.label)
            digits = UNIT_DIGITS[indicator.unit]
            if share:
                label, digits = _("%(indicator)s (%% of Team)", indicator=label), 2
            elif digits is None:
                digits = currency_digits
            parts = [("value", label)]
            if compare:
                parts += [
                    ("prev", _("%(indicator)s, Previous", indicator=label)),
                    ("change", _("%(indicator)s, Change", indicator=label)),
                ]
            for part, part_label in parts:
                name = figure if part == "value" else f"{figure}_{part}"
                columns.append(
                    self._column(
                        name,
                        part_label,
                        digits,
                        figure=figure,
                        part=part,
                        indicator=indicator.key,
                        summable=indicator.additive,
                    )
                )
        return columns

    @api.model
    def _column(self, name, label, digits, **where):
        return {
            "name": name,
            "label": label,
            "digits": digits,
            "field": where.get("field"),
            "figure": where.get("figure"),
            "part": where.get("part", "value"),
            "indicator": where.get("indicator"),
            "summable": where.get("summable", False),
        }

    def _shown_figures(self):
        """``(indicator, figure name, whether it is a share)`` of the chosen indicators,
        in the order of the list: counts and amounts as shares of the team total when
        the report shows shares."""
        self.ensure_one()
        share = self.value_mode == "share"
        return [
            (
                indicator,
                f"{indicator.key}_share" if share and indicator.additive else indicator.key,
                share and indicator.additive,
            )
            for indicator in INDICATORS
            if self[indicator.show_field]
        ]

    def _screen_columns(self):
        """The columns of the lines on the screen (the ``indicator_columns`` field), for
        the web client's table (static/src/views/manager_report): a value with its
        change in one cell. Dicts with ``name``, ``label``, ``help``, where the value
        is (``field``, or ``figure``: ``line.figures[figure]``), ``unit`` ("count",
        "money", "percent", "ratio", "rank", "score", "text"), ``digits``,
        ``currency_id`` (amounts), ``lower_is_better``, ``compare`` (show the change),
        ``sum`` (a total), ``total_label`` (the label of the total row),
        ``avatar_model`` (a record's avatar beside its name) and ``title_field`` (the
        line field shown as the cell's tooltip)."""
        self.ensure_one()
        _ = self.env._
        # (a new report on the screen may not have its company yet when this is computed)
        currency = (self.company_id or self.env.company).currency_id
        executive = self.report_kind == "executive"
        columns = []
        if executive:
            columns.append(self._screen_column("rank", _("Rank"), "rank", figure="rank"))
        columns.append(
            self._screen_column(
                "user_id",
                _("Salesperson"),
                "text",
                field="user_id",
                avatar_model="res.users",
                total_label=_("Total"),
            )
        )
        if executive:
            columns.append(
                self._screen_column(
                    "score",
                    _("Score"),
                    "score",
                    figure="score",
                    compare=self.compare,
                    title_field="score_basis",
                )
            )
        for indicator, figure, share in self._shown_figures():
            label = _(indicator.column_label)
            unit = "percent" if share else indicator.unit
            columns.append(
                self._screen_column(
                    figure,
                    _("%(indicator)s %%", indicator=label) if share else label,
                    unit,
                    digits=currency.decimal_places if unit == "money" else None,
                    currency_id=currency.id if unit == "money" else None,
                    figure=figure,
                    help=_(indicator.help),
                    compare=self.compare and not executive,
                    lower_is_better=not indicator.higher_is_better,
                    sum=indicator.additive,
                )
            )
        return columns

    @api.model
    def _screen_column(self, name, label, unit, digits=None, **options):
        if digits is None:
            digits = {"rank": 0, "score": 2, "text": None}.get(unit, UNIT_DIGITS.get(unit))
        return {
            "name": name,
            "label": label,
            "help": options.get("help", ""),
            "unit": unit,
            "digits": digits,
            "field": options.get("field"),
            "figure": options.get("figure"),
            "title_field": options.get("title_field"),
            "avatar_model": options.get("avatar_model"),
            "currency_id": options.get("currency_id"),
            "total_label": options.get("total_label"),
            "compare": bool(options.get("compare")),
            "lower_is_better": bool(options.get("lower_is_better")),
            "sum": bool(options.get("sum")),
        }
