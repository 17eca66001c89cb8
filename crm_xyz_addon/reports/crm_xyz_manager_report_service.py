import contextlib
import re
from datetime import date, datetime, timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date

from ..tools import classification as classification_calc
from ..tools import company_sales
from ..tools import manager_report as calc
from ..tools import manager_report_query as queries
from ..tools.report_indicators import INDICATORS

SALESMAN_GROUP = "sales_team.group_sale_salesman"
MANAGER_GROUP = "sales_team.group_sale_manager"
PUBLIC_KEYS = (
    *(indicator.key for indicator in INDICATORS),
    "score",
    "rank",
    "score_indicator_count",
    "score_indicator_total",
)
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class CrmXyzManagerReportService(models.AbstractModel):
    """The figures of the manager performance report, for the screen, the files and
    integrations (``get_indicators``).

    The indicators are those of ``tools/report_indicators.py``; each reads the raw
    figures of the queries of ``manager_report_query.FIGURE_QUERIES``. An addon
    changes how a group of figures is measured by overriding its ``_query_*``
    method (calling ``super()`` to wrap it, or returning another query with the
    same columns).
    """

    _name = "crm.xyz.manager.report.service"
    _description = "Manager Performance Figures"

    # ------------------------------------------------------------ public API
    @api.readonly
    @api.model
    def get_indicators(self, date_from, date_to, user_ids=None):
        """The indicators of each salesperson of the current company for a period.

        :param date_from: first day of the period (date or "YYYY-MM-DD")
        :param date_to: last day of the period, inclusive
        :param user_ids: the salespeople wanted (default: all the salespeople the
            current user may see: everyone for a sales manager, himself for a
            salesman)
        :return: one dict per salesperson, best rank first, with ``user_id``,
            one value per indicator of ``tools/report_indicators.py`` by its key
            (``contact_completeness_pct``, ``contacts_count``, ``stage_ups``,
            ``stage_downs``, ``lost_share_pct``, ``retention_pct``, ``won_back``
            (customers whose early-warning episode ended with a sale in the
            period, for the salesperson at that sale), ``completed_orders``,
            ``revenue``, ``profit``, ``payments``; amounts in company currency),
            ``score`` (0-100, with the weights of the settings) and ``rank``
            (among the whole team; equal scores share a rank),
            ``score_indicator_count`` (the weighed indicators known for him,
            which his score rests on) and ``score_indicator_total`` (the
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
        rows = self._team_rows(date_from, date_to, weights, visible_ids, with_previous=False)[0]
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

    # ------------------------------------------------------------ team
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
                # a few of them, and how many: the message of 300,000 ids weighed megabytes
                shown = ", ".join(map(str, unknown[:5])) + (", …" if len(unknown) > 5 else "")
                raise UserError(
                    self.env._(
                        "%(count)s of these users are not salespeople of %(company)s: %(ids)s.",
                        count=len(unknown),
                        company=self.env.company.name,
                        ids=shown,
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
    def _team_rows(self, date_from, date_to, weights, extra_user_ids=(), with_previous=True):
        """Indicators, shares of the team total, score and rank of every salesperson.

        Returns two dicts by salesperson: the period and the previous one. The
        team is every salesperson of the company (plus ``extra_user_ids``),
        whoever may see them: shares, best values and ranks are the team's. A
        salesperson without customers and without activity in both periods has
        no data (``has_data``): he is not ranked (score and rank None).
        ``with_previous`` False: the period only, as a tuple of one dict; the
        previous period is then measured only for the salespeople without data
        in the period, whether they are ranked.
        """
        team_ids = self._team_users(extra_user_ids).ids
        previous_period = calc.previous_period(date_from, date_to)
        current = self._figures(team_ids, date_from, date_to)
        if with_previous:
            periods = (current, self._figures(team_ids, *previous_period))
            ranked = [uid for uid in team_ids if any(self._has_data(rows[uid]) for rows in periods)]
        else:
            periods = (current,)
            idle_ids = [uid for uid in team_ids if not self._has_data(current[uid])]
            before = self._figures(idle_ids, *previous_period, names=self._has_data_queries())
            # ranked: those with data in the period, and the others with data before it
            ranked = [uid for uid in team_ids if uid not in before or self._has_data(before[uid])]
        total_weights = sum(1 for weight in weights.values() if weight > 0)
        lower_is_better = {
            indicator.key for indicator in INDICATORS if not indicator.higher_is_better
        }
        for rows in periods:
            for indicator in INDICATORS:
                if indicator.additive:
                    total = sum(row[indicator.key] for row in rows.values())
                    for row in rows.values():
                        row[f"{indicator.key}_share"] = calc.ratio_pct(row[indicator.key], total)
            scores = calc.weighted_scores(
                {uid: rows[uid] for uid in ranked}, weights, lower_is_better
            )
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
    def _has_data(self, row):
        """Whether a salesperson has customers, or a count or an amount in the period."""
        return calc.has_data(row, [indicator.key for indicator in INDICATORS if indicator.additive])

    # ------------------------------------------------------------ figures
    @api.model
    def _figures(self, user_ids, date_from, date_to, names=None):
        """Absolute indicators of each salesperson: the queries of the groups of
        indicators (``_figure_queries()``), run together in one read-only statement.

        ``names``: run only these queries (the figures of the others stay 0).
        """
        figure_queries = self._figure_queries()
        raw_columns = [column for _query, columns in figure_queries.values() for column in columns]
        raw = {uid: dict.fromkeys(raw_columns, 0) for uid in user_ids}
        if names is not None:
            figure_queries = {name: figure_queries[name] for name in names}
        if user_ids:
            params = self._query_params(user_ids, date_from, date_to)
            self.env.flush_all()
            chosen = [(query(params), columns) for query, columns in figure_queries.values()]
            with queries.jit_disabled(self.env.cr):
                self.env.cr.execute(queries.report_statement(params, chosen))
                rows = self.env.cr.fetchall()
            for uid, *values in rows:
                for (_query, columns), (found, *figures) in zip(
                    chosen, queries.split_figures(values, chosen), strict=True
                ):
                    if found and uid in raw:
                        raw[uid].update(zip(columns, figures, strict=True))
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
        company_today = self.env.company._xyz_today()
        if params["date_to"] >= company_today:
            for values in raw.values():
                values["completeness_base"] = values["customers"]
                values["completeness_complete"] = values["complete_customers"]
            return
        for values in raw.values():
            values["completeness_base"] = values["completeness_complete"] = None
        self.env.cr.execute(self._query_completeness_snapshot(params))
        for uid, customers, complete in self.env.cr.fetchall():
            raw[uid]["completeness_base"], raw[uid]["completeness_complete"] = customers, complete

    @api.model
    def _indicators_from_raw(self, raw, digits):
        """The indicators of one salesperson from his raw figures; amounts rounded to
        the currency."""
        values = dict(raw)
        for indicator in INDICATORS:
            value = indicator.value(raw)
            if value is not None:
                if indicator.unit == "money":
                    value = round(float(value), digits)
                else:
                    value = int(value) if indicator.unit == "count" else float(value)
            values[indicator.key] = value
        return values

    @api.model
    def _query_params(self, user_ids, date_from, date_to):
        company = self.env.company
        tz = company_sales.company_tz(company)

        def utc(day):
            """Midnight of a local day of the company, as a naive UTC datetime."""
            return company_sales.company_day_start_utc(day, tz)

        settings = company._xyz_settings()
        unit, count = settings["xyz_period_unit"], settings["xyz_period_count"]
        start_as_of = date_from - timedelta(days=1)
        start_window_floor = classification_calc.period_bounds(start_as_of, unit, count)[-1]
        end_window_floor = classification_calc.period_bounds(date_to, unit, count)[-1]
        now_utc = fields.Datetime.now()
        end_utc = utc(date_to + timedelta(days=1))
        return {
            **self.env["crm.xyz.report.summary"]._read_params(company),
            "user_ids": list(user_ids),
            "date_from": date_from,
            "date_to": date_to,
            "start_utc": utc(date_from),
            "end_utc": end_utc,
            "now_utc": now_utc,
            "source": settings["xyz_source"],
            "start_as_of": start_as_of,
            "start_window_floor": start_window_floor,
            "end_window_floor": end_window_floor,
            "window_start_utc": utc(start_window_floor + timedelta(days=1)),
            "end_window_start_utc": utc(end_window_floor + timedelta(days=1)),
            # a past period's customers are those of its end; else those of now
            "portfolio_at": end_utc if end_utc <= now_utc else None,
        }

    # ------------------------------------------------------------ query hooks
    @api.model
    def _figure_queries(self):
        """The queries of the figures, by name: ``(method, columns)`` where
        ``method(params)`` returns an SQL whose rows are ``(user_id, *columns)``
        (see ``tools/manager_report_query.py`` for the parameters): those of
        ``FIGURE_QUERIES``, through this model's ``_query_<name>`` method where it
        has one. Run in this order; their columns make the raw figures that the
        indicators read."""
        return {
            name: (getattr(self, f"_query_{name}", function), columns)
            for name, (function, columns) in queries.FIGURE_QUERIES.items()
        }

    @api.model
    def _has_data_queries(self):
        """The names of the figure queries that tell whether a salesperson has data
        (``_has_data``: customers, or a count or an amount of the period); the
        others only make percentages and ratios."""
        needed = {"portfolio"}.union(
            *(indicator.queries for indicator in INDICATORS if indicator.additive)
        )
        return [name for name in self._figure_queries() if name in needed]

    @api.model
    def _query_portfolio(self, params):
        """Customers and customers with complete contact data (completeness, lost share)."""
        return queries.portfolio_query(params)

    @api.model
    def _query_contacts(self, params):
        """Activities done and meetings held (contacts)."""
        return queries.contacts_query(params)

    @api.model
    def _query_stage_changes(self, params):
        """Stages up, stages down and lost customers."""
        return queries.stage_changes_query(params)

    @api.model
    def _query_retention(self, params):
        """Customers at the start, at the end, new and retained (retention)."""
        return queries.retention_query(
            params, customer_windows=self._query_customer_windows(params)
        )

    @api.model
    def _query_customer_windows(self, params):
        """The customers at the start and at the end of the period (retention): rows
        ``(customer_id, at_start, at_end)``, from the classification's own
        definition of the sales."""
        return queries.customer_windows_query(params)

    @api.model
    def _query_orders(self, params):
        """Completed orders, revenue and profit."""
        return queries.orders_query(params)

    @api.model
    def _query_payments(self, params):
        """Payments received."""
        return queries.payments_query(params)

    @api.model
    def _query_won_back(self, params):
        """Customers won back: early-warning episodes ended by a sale in the period."""
        return queries.won_back_query(params)

    @api.model
    def _query_completeness_snapshot(self, params):
        """The snapshot of contact data completeness of a past period: rows
        ``(user_id, customers, complete_customers)``."""
        return queries.completeness_snapshot_query(params)
