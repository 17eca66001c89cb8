from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools.misc import formatLang

from ..tools.classification import STAGE_REGULAR

RELATIONSHIP_STAGES = [
    ("potential", "Potential"),
    ("one_off", "One-off"),
    ("regular", "Regular"),
    ("lost", "Lost"),
]
ABC_CLASSES = [("A", "A"), ("B", "B"), ("C", "C")]
XYZ_CLASSES = [("X", "X"), ("Y", "Y"), ("Z", "Z")]
TRENDS = [("up", "Up"), ("down", "Down"), ("same", "Same"), ("new", "New")]

# manual override field -> (effective field, automatic field)
MANUAL_FIELDS = {
    "relationship_stage_manual": ("relationship_stage", "relationship_stage_auto"),
    "abc_class_manual": ("abc_class", "abc_class_auto"),
    "xyz_class_manual": ("xyz_class", "xyz_class_auto"),
}
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
)
SALES_GROUP = "sales_team.group_sale_salesman"
MANAGER_GROUP = "sales_team.group_sale_manager"
# Set by the merge wizard on the write that copies the merged contacts' fields: write()
# then leaves the classification out. It only takes fields away (whoever sets it gets
# nothing written that the checks would refuse), so a client passing it gains nothing.
MERGE_CONTEXT_KEY = "crm_xyz_merge_values"


class ResPartner(models.Model):
    _inherit = "res.partner"

    # All values are per company (jsonb columns): each company classifies its own sales.
    relationship_stage = fields.Selection(
        RELATIONSHIP_STAGES,
        company_dependent=True,
        readonly=True,
        groups=SALES_GROUP,
        help="The manual stage where a sales manager set one, else the automatic one.",
    )
    abc_class = fields.Selection(
        ABC_CLASSES,
        string="ABC Class",
        company_dependent=True,
        readonly=True,
        groups=SALES_GROUP,
        help="Share of sales: the manual class where one is set, else the automatic one.",
    )
    xyz_class = fields.Selection(
        XYZ_CLASSES,
        string="XYZ Class",
        company_dependent=True,
        readonly=True,
        groups=SALES_GROUP,
        help="Stability of purchases: the manual class where one is set, else the automatic one.",
    )
    # Odoo gives company-dependent fields a partial index by default. The fields that
    # only the analysis writes go without: it rewrites them for every customer, and
    # each index makes every rewritten row cost more (the effective stage and classes,
    # which users filter on, keep theirs).
    relationship_stage_auto = fields.Selection(
        RELATIONSHIP_STAGES,
        string="Automatic Stage",
        company_dependent=True,
        readonly=True,
        index=False,
        groups=SALES_GROUP,
    )
    abc_class_auto = fields.Selection(
        ABC_CLASSES,
        string="Automatic ABC Class",
        company_dependent=True,
        readonly=True,
        index=False,
        groups=SALES_GROUP,
    )
    xyz_class_auto = fields.Selection(
        XYZ_CLASSES,
        string="Automatic XYZ Class",
        company_dependent=True,
        readonly=True,
        index=False,
        groups=SALES_GROUP,
    )
    relationship_stage_manual = fields.Selection(
        RELATIONSHIP_STAGES,
        string="Manual Stage",
        company_dependent=True,
        tracking=True,
        groups=SALES_GROUP,
        help="Set by a sales manager; empty means automatic.",
    )
    abc_class_manual = fields.Selection(
        ABC_CLASSES,
        string="Manual ABC Class",
        company_dependent=True,
        tracking=True,
        groups=SALES_GROUP,
        help="Set by a sales manager; empty means automatic.",
    )
    xyz_class_manual = fields.Selection(
        XYZ_CLASSES,
        string="Manual XYZ Class",
        company_dependent=True,
        tracking=True,
        groups=SALES_GROUP,
        help="Set by a sales manager; empty means automatic.",
    )
    relationship_stage_prev = fields.Selection(
        RELATIONSHIP_STAGES,
        string="Previous Stage",
        company_dependent=True,
        readonly=True,
        index=False,
        groups=SALES_GROUP,
        help="Automatic stage before the last analysis date.",
    )
    abc_class_prev = fields.Selection(
        ABC_CLASSES,
        string="Previous ABC Class",
        company_dependent=True,
        readonly=True,
        index=False,
        groups=SALES_GROUP,
    )
    xyz_class_prev = fields.Selection(
        XYZ_CLASSES,
        string="Previous XYZ Class",
        company_dependent=True,
        readonly=True,
        index=False,
        groups=SALES_GROUP,
    )
    relationship_trend = fields.Selection(
        TRENDS,
        string="Stage Trend",
        company_dependent=True,
        readonly=True,
        index=False,
        groups=SALES_GROUP,
        help="The automatic stage against the one before the last analysis date.",
    )
    classification_amount = fields.Float(
        string="Classified Amount",
        company_dependent=True,
        readonly=True,
        index=False,
        groups=SALES_GROUP,
        digits="Account",
        help="Total of the analysed parameter over the analysis window.",
    )
    classification_purchase_count = fields.Integer(
        string="Purchases in Window",
        company_dependent=True,
        readonly=True,
        index=False,
        groups=SALES_GROUP,
    )
    classification_cv = fields.Float(
        string="Coefficient of Variation (%)",
        company_dependent=True,
        readonly=True,
        index=False,
        groups=SALES_GROUP,
        digits=(16, 2),
        help="Population coefficient of variation of the sub-period values (regular customers).",
    )
    classification_last_sale_date = fields.Date(
        string="Last Sale",
        company_dependent=True,
        readonly=True,
        index=False,
        groups=SALES_GROUP,
    )
    classification_date = fields.Date(
        string="Classified On",
        company_dependent=True,
        readonly=True,
        index=False,
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
    @api.depends(*ANALYSIS_FIELDS, *MANUAL_FIELDS)
    def _compute_classification_explanation(self):
        company = self.env.company
        for partner in self:
            partner.classification_overridden = any(
                partner[manual] and partner[manual] != partner[auto]
                for manual, (_effective, auto) in MANUAL_FIELDS.items()
            )
            partner.classification_trend_arrow = {"up": "↑", "down": "↓"}.get(
                partner.relationship_trend, ""
            )
            why = partner._classification_why(company)
            if partner.classification_overridden:
                why = partner._classification_override_why(why)
            partner.classification_explanation = why

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
        for partner, vals in zip(partners, vals_list, strict=True):
            if any(vals.get(name) for name in MANUAL_FIELDS):
                partner._apply_manual_classification()
                if not self.env.su:
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
        manual_write = any(name in vals for name in MANUAL_FIELDS)
        # a sales manager's override goes to the history; superuser writes (the merge
        # carrying a source's override over, scripts) are nobody's decision
        before = self._classification_snapshot() if manual_write and not self.env.su else None
        result = super().write(vals)
        if manual_write:
            self._apply_manual_classification()
            if before is not None:
                self._log_manual_classification(before)
        return result

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

    def _apply_manual_classification(self):
        """Effective value = manual value where one is set, else the automatic one."""
        for partner in self.sudo():
            values = {
                effective: partner[manual] or partner[auto]
                for manual, (effective, auto) in MANUAL_FIELDS.items()
            }
            if any(partner[name] != value for name, value in values.items()):
                # bypass our own write(): these fields are closed to direct writes
                super(ResPartner, partner).write(values)
        return True

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
