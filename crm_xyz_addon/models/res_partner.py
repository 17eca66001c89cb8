from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL
from odoo.tools.misc import format_date, formatLang

from ..tools import report_summaries
from ..tools.vocabulary import (
    ABC_SELECTION,
    MANUAL_FIELDS,
    STAGE_REGULAR,
    STAGE_SELECTION,
    TREND_ARROWS,
    TREND_SELECTION,
    XYZ_SELECTION,
    translated_selection,
)

# written only by the analysis (crm.xyz.run) and by the override logic below
ANALYSIS_FIELDS = (
    "relationship_stage",
    "abc_class",
    "xyz_class",
    "relationship_stage_auto",
    "abc_class_auto",
    "xyz_class_auto",
    "relationship_stage_prev",
    "abc_class_prev",
    "xyz_class_prev",
    "relationship_trend",
    "classification_amount",
    "classification_purchase_count",
    "classification_cv",
    "classification_last_sale_date",
    "classification_date",
    "classification_at_risk",
    "classification_typical_interval",
    "classification_expected_date",
    "classification_days_since_sale",
    "classification_first_sale_date",
    "classification_sale_days",
    "classification_p_alive",
    "classification_expected_purchases",
    "classification_model_known",
)
SALES_GROUP = "sales_team.group_sale_salesman"
MANAGER_GROUP = "sales_team.group_sale_manager"
# Set by the merge wizard on the write that copies the merged contacts' fields: write()
# then leaves the classification out. It only takes fields away (whoever sets it gets
# nothing written that the checks would refuse), so a client passing it gains nothing.
MERGE_CONTEXT_KEY = "crm_xyz_merge_values"
# what moves a partner to another commercial partner (the manager report's summaries)
COMMERCIAL_KEY_FIELDS = {"parent_id", "is_company"}
# Set by write() when it writes a manual override: only then does the chatter's tracking
# read the overrides before the write (_track_prepare). It only adds that reading.
TRACK_OVERRIDES_KEY = "crm_xyz_track_overrides"

# read from the customer's row of the current company (crm.xyz.classification); a set,
# since _field_to_sql() looks every column of every partner query up in it
CLASSIFICATION_FIELDS = frozenset((*ANALYSIS_FIELDS, *MANUAL_FIELDS))
# the value of a field for a partner that has no row in the company
UNSET = False


def _unset_matches(operator, value):
    """Whether a partner without a row (all its values unset) satisfies the condition."""
    if operator == "=":
        return not value
    if operator == "!=":
        return bool(value)
    if operator == "in":
        return any(not item for item in value)
    if operator == "not in":
        return all(item for item in value)
    return False


def _classification_search(name):
    """The search method of the partner field `name`: a condition on its row."""

    def search(partners, operator, value):
        company_id = partners.env.company.id
        on_row = [
            (
                "xyz_classification_ids",
                "any",
                [("company_id", "=", company_id), (name, operator, value)],
            )
        ]
        if not _unset_matches(operator, value):
            return on_row
        # the condition also holds where the company has no row for the partner
        return [
            "|",
            ("xyz_classification_ids", "not any", [("company_id", "=", company_id)]),
            *on_row,
        ]

    return search


def _classification_field(field_class, *args, manual=False, **kwargs):
    """A partner field that reads (and for the manual ones writes) the current company's row."""
    name = kwargs.pop("name")
    kwargs["search"] = _classification_search(name)
    if field_class is fields.Selection:
        # labels from the code, not from the database: see translated_selection()
        args = (translated_selection(args[0]), *args[1:])
    return field_class(
        *args,
        # the manual fields apart: Odoo protects every field of a compute method while it
        # writes one of them, which would keep the effective values stale after an override
        compute="_compute_classification_manual" if manual else "_compute_classification",
        inverse="_inverse_classification_manual" if manual else None,
        readonly=not manual,
        groups=SALES_GROUP,
        **kwargs,
    )


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Each company classifies its own sales: these fields show the current company's
    # row of crm.xyz.classification. They can be searched, sorted and grouped by
    # (_field_to_sql joins the row), and the manual ones written by sales managers.
    xyz_classification_ids = fields.One2many(
        "crm.xyz.classification",
        "partner_id",
        string="Classifications",
        readonly=True,
        groups=SALES_GROUP,
    )
    relationship_stage = _classification_field(
        fields.Selection,
        STAGE_SELECTION,
        name="relationship_stage",
        help="The manual stage where a sales manager set one, else the automatic one.",
    )
    abc_class = _classification_field(
        fields.Selection,
        ABC_SELECTION,
        name="abc_class",
        string="ABC Class",
        help="Share of sales: the manual class where one is set, else the automatic one.",
    )
    xyz_class = _classification_field(
        fields.Selection,
        XYZ_SELECTION,
        name="xyz_class",
        string="XYZ Class",
        help="Stability of purchases: the manual class where one is set, else the automatic one.",
    )
    relationship_stage_auto = _classification_field(
        fields.Selection,
        STAGE_SELECTION,
        name="relationship_stage_auto",
        string="Automatic Stage",
    )
    abc_class_auto = _classification_field(
        fields.Selection, ABC_SELECTION, name="abc_class_auto", string="Automatic ABC Class"
    )
    xyz_class_auto = _classification_field(
        fields.Selection, XYZ_SELECTION, name="xyz_class_auto", string="Automatic XYZ Class"
    )
    relationship_stage_manual = _classification_field(
        fields.Selection,
        STAGE_SELECTION,
        name="relationship_stage_manual",
        string="Manual Stage",
        manual=True,
        tracking=True,
        help="Set by a sales manager; empty means automatic.",
    )
    abc_class_manual = _classification_field(
        fields.Selection,
        ABC_SELECTION,
        name="abc_class_manual",
        string="Manual ABC Class",
        manual=True,
        tracking=True,
        help="Set by a sales manager; empty means automatic.",
    )
    xyz_class_manual = _classification_field(
        fields.Selection,
        XYZ_SELECTION,
        name="xyz_class_manual",
        string="Manual XYZ Class",
        manual=True,
        tracking=True,
        help="Set by a sales manager; empty means automatic.",
    )
    relationship_stage_prev = _classification_field(
        fields.Selection,
        STAGE_SELECTION,
        name="relationship_stage_prev",
        string="Previous Stage",
        help="Automatic stage before the last analysis date.",
    )
    abc_class_prev = _classification_field(
        fields.Selection, ABC_SELECTION, name="abc_class_prev", string="Previous ABC Class"
    )
    xyz_class_prev = _classification_field(
        fields.Selection, XYZ_SELECTION, name="xyz_class_prev", string="Previous XYZ Class"
    )
    relationship_trend = _classification_field(
        fields.Selection,
        TREND_SELECTION,
        name="relationship_trend",
        string="Stage Trend",
        help="The automatic stage against the one before the last analysis date.",
    )
    classification_amount = _classification_field(
        fields.Float,
        name="classification_amount",
        string="Classified Amount",
        digits="Account",
        help="Total of the analysed parameter over the analysis window.",
    )
    classification_purchase_count = _classification_field(
        fields.Integer, name="classification_purchase_count", string="Purchases in Window"
    )
    classification_cv = _classification_field(
        fields.Float,
        name="classification_cv",
        string="Coefficient of Variation (%)",
        digits=(16, 2),
        help="Population coefficient of variation of the sub-period values (regular customers).",
    )
    classification_last_sale_date = _classification_field(
        fields.Date, name="classification_last_sale_date", string="Last Sale"
    )
    classification_date = _classification_field(
        fields.Date, name="classification_date", string="Classified On"
    )
    classification_at_risk = _classification_field(
        fields.Boolean,
        name="classification_at_risk",
        string="At Risk",
        help="Regular or one-off, and no sale for longer than the risk factor times its typical "
        "interval (and at least the minimum number of days).",
    )
    classification_typical_interval = _classification_field(
        fields.Float,
        name="classification_typical_interval",
        string="Usually Buys Every (days)",
        digits=(16, 1),
        help="The median number of days between its last 13 sale days (3 sale days at least).",
    )
    classification_expected_date = _classification_field(
        fields.Date, name="classification_expected_date", string="Next Sale Expected"
    )
    classification_days_since_sale = _classification_field(
        fields.Integer, name="classification_days_since_sale", string="Days Since Last Sale"
    )
    classification_first_sale_date = _classification_field(
        fields.Date, name="classification_first_sale_date", string="First Sale"
    )
    classification_sale_days = _classification_field(
        fields.Integer,
        name="classification_sale_days",
        string="Sale Days",
        help="The number of days it bought on, up to the analysis.",
    )
    classification_p_alive = _classification_field(
        fields.Float,
        name="classification_p_alive",
        string="P(alive)",
        help="The probability that the customer still buys from you, by the purchase model "
        "(BG/NBD) fitted on all the company's customers: from how many days it bought on and "
        "how long ago it last did. 1 for a customer that bought on one day only.",
    )
    classification_expected_purchases = _classification_field(
        fields.Float,
        name="classification_expected_purchases",
        string="Expected Purchases",
        help="The number of days the customer is expected to buy on in the coming days (the "
        "horizon of the classification settings, 90 by default), by the purchase model.",
    )
    classification_model_known = _classification_field(
        fields.Boolean, name="classification_model_known", string="Purchase Model Known"
    )
    classification_model_explanation = fields.Char(
        string="Purchase Model",
        compute="_compute_classification_model_explanation",
        groups=SALES_GROUP,
    )
    classification_risk_explanation = fields.Char(
        string="Early Warning",
        compute="_compute_classification_risk_explanation",
        groups=SALES_GROUP,
    )
    classification_overridden = fields.Boolean(
        string="Manually Overridden",
        compute="_compute_classification_explanation",
        groups=SALES_GROUP,
        help="A manual value differs from the automatic one.",
    )
    classification_explanation = fields.Char(
        string="Why",
        compute="_compute_classification_explanation",
        groups=SALES_GROUP,
    )
    classification_trend_arrow = fields.Char(
        string="Trend Arrow",
        compute="_compute_classification_explanation",
        groups=SALES_GROUP,
    )
    classification_history_count = fields.Integer(
        compute="_compute_classification_history_count",
        groups=SALES_GROUP,
    )

    @api.depends_context("company")
    @api.depends(*(f"xyz_classification_ids.{name}" for name in ANALYSIS_FIELDS))
    def _compute_classification(self):
        self._read_classification_rows(ANALYSIS_FIELDS)

    @api.depends_context("company")
    @api.depends(*(f"xyz_classification_ids.{name}" for name in MANUAL_FIELDS))
    def _compute_classification_manual(self):
        self._read_classification_rows(MANUAL_FIELDS)

    def _read_classification_rows(self, names):
        """Set the fields `names` from the partners' rows of the current company."""
        rows = (
            self.env["crm.xyz.classification"]
            .sudo()
            .search(
                [("partner_id", "in", self._origin.ids), ("company_id", "=", self.env.company.id)]
            )
        )
        by_partner = {row.partner_id.id: row for row in rows}
        for partner in self:
            row = by_partner.get(partner._origin.id)
            for name in names:
                partner[name] = row[name] if row else UNSET

    def _inverse_classification_manual(self):
        """Store the manual values in the current company's rows (write() checked who)."""
        company = self.env.company
        classifications = self.env["crm.xyz.classification"].sudo()
        rows = classifications.search(
            [("partner_id", "in", self.ids), ("company_id", "=", company.id)]
        )
        by_partner = {row.partner_id.id: row for row in rows}
        for partner in self:
            values = {name: partner[name] or False for name in MANUAL_FIELDS}
            row = by_partner.get(partner.id)
            if row:
                changed = {name: value for name, value in values.items() if row[name] != value}
                if changed:
                    row.write(changed)
            elif any(values.values()):
                classifications.create(
                    {"company_id": company.id, "partner_id": partner.id, **values}
                )

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        """The classification fields as the column of the current company's row, so that
        lists can be sorted and grouped by them."""
        if fname not in CLASSIFICATION_FIELDS or query is None:
            return super()._field_to_sql(alias, fname, query, flush)
        self.check_field_access_rights("read", [fname])
        row_alias = query.make_alias(alias, "xyz_classification")
        query.add_join(
            "LEFT JOIN",
            row_alias,
            "crm_xyz_classification",
            SQL(
                "%s = %s AND %s = %s",
                SQL.identifier(row_alias, "partner_id"),
                SQL.identifier(alias, "id"),
                SQL.identifier(row_alias, "company_id"),
                self.env.company.id,
            ),
        )
        rows = self.env["crm.xyz.classification"]
        if not rows._fields[fname].store:
            # the figures computed when read (days since the last sale...): their SQL
            return rows._field_to_sql(row_alias, fname, query, flush)
        return SQL.identifier(row_alias, fname, to_flush=rows._fields[fname] if flush else None)

    @api.depends_context("company")
    @api.depends(*ANALYSIS_FIELDS, *MANUAL_FIELDS)
    def _compute_classification_explanation(self):
        company = self.env.company
        for partner in self:
            partner.classification_overridden = any(
                partner[manual] and partner[manual] != partner[auto]
                for manual, (_effective, auto) in MANUAL_FIELDS.items()
            )
            partner.classification_trend_arrow = TREND_ARROWS.get(partner.relationship_trend, "")
            why = partner._classification_why(company)
            if partner.classification_overridden:
                why = partner._classification_override_why(why)
            partner.classification_explanation = why

    @api.depends_context("company", "lang")
    @api.depends(
        "classification_typical_interval",
        "classification_days_since_sale",
        "classification_expected_date",
        "classification_at_risk",
    )
    def _compute_classification_risk_explanation(self):
        for partner in self:
            if not partner.classification_typical_interval:
                partner.classification_risk_explanation = ""
                continue
            partner.classification_risk_explanation = self.env._(
                "Usually buys every %(interval)s days; last order %(days)s days ago; "
                "expected around %(expected)s.",
                interval=formatLang(self.env, partner.classification_typical_interval, digits=1),
                days=partner.classification_days_since_sale,
                expected=format_date(self.env, partner.classification_expected_date),
            )

    @api.depends_context("company", "lang")
    @api.depends(
        "classification_model_known",
        "classification_p_alive",
        "classification_expected_purchases",
        "classification_sale_days",
    )
    def _compute_classification_model_explanation(self):
        horizon = self.env.company._xyz_model_settings()["xyz_expected_purchases_days"]
        for partner in self:
            if not partner.classification_model_known:
                partner.classification_model_explanation = ""
                continue
            partner.classification_model_explanation = self.env._(
                "Bought on %(days)s day(s): by the purchase model of all your customers, "
                "%(p_alive)s%% likely to still buy from you, and %(expected)s purchase(s) "
                "expected in the next %(horizon)s days.",
                days=partner.classification_sale_days,
                p_alive=formatLang(self.env, 100 * partner.classification_p_alive, digits=0),
                expected=formatLang(self.env, partner.classification_expected_purchases, digits=1),
                horizon=horizon,
            )

    def _compute_classification_history_count(self):
        counts = dict(
            self.env["crm.xyz.history"]._read_group(
                [("partner_id", "in", self.ids), ("company_id", "=", self.env.company.id)],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.classification_history_count = counts.get(partner, 0)

    def _classification_why(self, company):
        """One line built from the numbers and the thresholds of the last run."""
        self.ensure_one()
        stage = self.relationship_stage_auto
        if not stage:
            return ""
        _ = self.env._
        settings = company._xyz_settings()
        units = {"month": _("months"), "quarter": _("quarters"), "week": _("weeks")}
        periods = _(
            "%(count)s %(unit)s",
            count=settings["xyz_period_count"],
            unit=units[settings["xyz_period_unit"]],
        )
        limit = settings["xyz_one_off_max_purchases"]
        purchases = self.classification_purchase_count
        parts = {
            "potential": _("No sale yet, but an open opportunity or quotation."),
            "lost": _("No sale in the last %(periods)s, earlier sales exist.", periods=periods),
            "one_off": _(
                "%(count)s sale(s) in the last %(periods)s (at most %(limit)s: one-off).",
                count=purchases,
                periods=periods,
                limit=limit,
            ),
            "regular": _(
                "%(count)s sales in the last %(periods)s (more than %(limit)s: regular).",
                count=purchases,
                periods=periods,
                limit=limit,
            ),
        }
        why = [parts[stage]]
        if self.abc_class_auto:
            amount = formatLang(
                self.env, self.classification_amount, currency_obj=company.currency_id
            )
            why.append(
                _(
                    "ABC %(cls)s: %(amount)s within the cut-offs A %(a)s%%, B %(b)s%%.",
                    cls=self.abc_class_auto,
                    amount=amount,
                    a=formatLang(self.env, settings["abc_a_percent"], digits=0),
                    b=formatLang(self.env, settings["abc_b_percent"], digits=0),
                )
            )
        if stage == STAGE_REGULAR and self.xyz_class_auto:
            why.append(
                _(
                    "XYZ %(cls)s: CV %(cv)s%% (X up to %(x)s%%, Y up to %(y)s%%).",
                    cls=self.xyz_class_auto,
                    cv=formatLang(self.env, self.classification_cv, digits=1),
                    x=formatLang(self.env, settings["xyz_x_max_cv"], digits=0),
                    y=formatLang(self.env, settings["xyz_y_max_cv"], digits=0),
                )
            )
        return " ".join(why)

    def _classification_summary(self, stage, abc_class, xyz_class):
        """'regular, B·Y': a stage and its classes, XYZ only for a regular customer."""
        labels = dict(self._fields["relationship_stage"]._description_selection(self.env))
        classes = "·".join(c for c in (abc_class, stage == STAGE_REGULAR and xyz_class) if c)
        return ", ".join(part for part in (labels.get(stage, "").lower(), classes) if part)

    def _classification_override_why(self, why):
        """Say what a sales manager set, then what the analysis found and why."""
        self.ensure_one()
        _ = self.env._
        labels = dict(self._fields["relationship_stage"]._description_selection(self.env))
        manual = []
        if self.relationship_stage_manual not in (False, self.relationship_stage_auto):
            manual.append(labels[self.relationship_stage_manual].lower())
        if self.abc_class_manual not in (False, self.abc_class_auto):
            manual.append(_("ABC %(cls)s", cls=self.abc_class_manual))
        if self.xyz_class_manual not in (False, self.xyz_class_auto):
            manual.append(_("XYZ %(cls)s", cls=self.xyz_class_manual))
        manual = ", ".join(manual)
        if not self.relationship_stage_auto:
            return _("Manual: %(manual)s (not classified by the analysis yet).", manual=manual)
        # the reasons read as the end of the sentence: "because 5 sales in ..."
        because = why[:1].lower() + why[1:].rstrip(".")
        return _(
            "Manual: %(manual)s (the analysis says: %(auto)s, because %(why)s).",
            manual=manual,
            auto=self._classification_summary(
                self.relationship_stage_auto, self.abc_class_auto, self.xyz_class_auto
            ),
            why=because,
        )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_classification_write(vals)
        partners = super().create(vals_list)
        if not self.env.su:
            for partner, vals in zip(partners, vals_list, strict=True):
                if any(vals.get(name) for name in MANUAL_FIELDS):
                    partner._log_manual_classification({partner.id: {}})
        return partners

    def write(self, vals):
        if self.env.context.get(MERGE_CONTEXT_KEY):
            vals = {
                name: value
                for name, value in vals.items()
                if name not in ANALYSIS_FIELDS and name not in MANUAL_FIELDS
            }
        self._check_classification_write(vals)
        moving = bool(COMMERCIAL_KEY_FIELDS & set(vals) and self.ids)
        if moving:
            # the customers the partners leave, for the manager report's summaries
            report_summaries.log_changes(self.env, report_summaries.log_partner_changes(self.ids))
        manual_write = any(name in vals for name in MANUAL_FIELDS)
        # a sales manager's override goes to the history; superuser writes (the merge
        # carrying a source's override over, scripts) are nobody's decision
        before = self._classification_snapshot() if manual_write and not self.env.su else None
        partners = self.with_context(**{TRACK_OVERRIDES_KEY: True}) if manual_write else self
        result = super(ResPartner, partners).write(vals)
        if moving:
            # ... and those they join
            self.flush_recordset(["commercial_partner_id"])
            report_summaries.log_changes(self.env, report_summaries.log_partner_changes(self.ids))
        if before is not None:
            self._log_manual_classification(before)
        return result

    @api.model
    def _setup_complete(self):
        super()._setup_complete()
        # what the tracking of a write reads when it writes no override (_track_prepare)
        type(self)._xyz_tracked_but_overrides = frozenset(
            name for name, field in self._fields.items() if getattr(field, "tracking", None)
        ).difference(MANUAL_FIELDS)

    def _track_prepare(self, fields_iter):
        # The overrides are tracked in the chatter, and change only when they are written.
        # Odoo reads every tracked field before any write of a partner (once per contact
        # when it syncs a customer's contacts): the overrides only before their own. A
        # write passes every field of the partner; the other calls pass stored computed
        # fields, never an override, and are left alone: this runs several times for
        # each partner of a write.
        if fields_iter is self._fields and not self.env.context.get(TRACK_OVERRIDES_KEY):
            fields_iter = self._xyz_tracked_but_overrides
        return super()._track_prepare(fields_iter)

    def unlink(self):
        # the history has no foreign key to cascade (see classification_tables): its rows
        # go with their customer here, or with the next analysis when it is deleted in SQL
        self.env["crm.xyz.history"].sudo().search([("partner_id", "in", self.ids)]).unlink()
        if self.ids:
            report_summaries.log_changes(self.env, report_summaries.log_partner_changes(self.ids))
        return super().unlink()

    def _check_classification_write(self, vals):
        if self.env.su:
            return
        if any(name in vals for name in ANALYSIS_FIELDS):
            raise AccessError(
                self.env._(
                    "The classification of customers is computed by the analysis; "
                    "set a manual stage or class instead."
                )
            )
        if any(name in vals for name in MANUAL_FIELDS) and not self.env.user.has_group(
            MANAGER_GROUP
        ):
            raise AccessError(
                self.env._(
                    "Only sales managers may override the stage or the classes of a customer."
                )
            )

    def _classification_snapshot(self):
        """{partner id: {field: value}} of the manual and effective values (current company)."""
        names = [*MANUAL_FIELDS, *(effective for effective, _auto in MANUAL_FIELDS.values())]
        return {partner.id: {name: partner[name] for name in names} for partner in self.sudo()}

    def _log_manual_classification(self, before):
        """One 'manual' history row per partner whose override changed since `before`
        (a snapshot): who (create_uid), when, and the effective values from and to."""
        rows = []
        today = fields.Date.context_today(self)
        for partner in self.sudo():
            old = before[partner.id]
            if all(partner[name] == old.get(name, False) for name in MANUAL_FIELDS):
                continue
            rows.append(
                {
                    "kind": "manual",
                    "date": today,
                    "company_id": self.env.company.id,
                    "partner_id": partner.id,
                    "user_id": partner.commercial_partner_id.user_id.id,
                    "old_stage": old.get("relationship_stage", False),
                    "new_stage": partner.relationship_stage,
                    "old_abc_class": old.get("abc_class", False),
                    "new_abc_class": partner.abc_class,
                    "old_xyz_class": old.get("xyz_class", False),
                    "new_xyz_class": partner.xyz_class,
                }
            )
        if rows:
            # sudo: only the addon writes the history (as the manager: create_uid)
            self.env["crm.xyz.history"].sudo().create(rows)

    def action_run_xyz_analysis(self):
        """'Run analysis now' of the XYZ analysis list (sales managers)."""
        return self.env["crm.xyz.run"].action_run_now()

    def action_open_classification_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_xyz_addon.crm_xyz_history_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        return action
