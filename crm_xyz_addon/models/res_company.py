from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.manager_report import INDICATORS

# weight of each indicator of the executive ranking (manager performance report)
WEIGHT_FIELDS = {indicator.key: f"xyz_weight_{indicator.option}" for indicator in INDICATORS}

SETTING_FIELDS = (
    "xyz_period_unit",
    "xyz_period_count",
    "xyz_source",
    "xyz_parameter",
    "xyz_one_off_max_purchases",
    "xyz_x_max_cv",
    "xyz_y_max_cv",
    "abc_a_percent",
    "abc_b_percent",
)


class ResCompany(models.Model):
    _inherit = "res.company"

    # The settings are optional in the database: NOT NULL on a core table breaks the
    # inserts made while this addon is not loaded (a module it depends on being updated).
    # The settings view requires them, and _xyz_settings() reads an empty one as default.
    xyz_period_unit = fields.Selection(
        [("month", "Month"), ("quarter", "Quarter"), ("week", "Week")],
        string="Analysis Sub-period",
        default="month",
    )
    xyz_period_count = fields.Integer(
        string="Number of Sub-periods",
        default=12,
        help="The analysis window is this many sub-periods up to the analysis date (2 to 120).",
    )
    xyz_source = fields.Selection(
        [("order", "Confirmed sale orders"), ("invoice", "Posted customer invoices")],
        string="Sales Source",
        default="order",
    )
    xyz_parameter = fields.Selection(
        [("revenue", "Revenue"), ("margin", "Margin"), ("count", "Number of sales")],
        string="Analysed Parameter",
        default="revenue",
    )
    xyz_one_off_max_purchases = fields.Integer(
        string="One-off Customer: at most",
        default=2,
        help="Customers with this many sales or fewer in the window are one-off, more are regular.",
    )
    xyz_x_max_cv = fields.Float(
        string="X: CV up to (%)",
        default=10.0,
        digits=(16, 2),
    )
    xyz_y_max_cv = fields.Float(
        string="Y: CV up to (%)",
        default=25.0,
        digits=(16, 2),
    )
    abc_a_percent = fields.Float(
        string="A: share of sales (%)",
        default=80.0,
        digits=(16, 2),
    )
    abc_b_percent = fields.Float(
        string="B: share of sales (%)",
        default=15.0,
        digits=(16, 2),
        help="C gets the rest of the sales.",
    )
    xyz_last_run_id = fields.Many2one("crm.xyz.run", string="Last Analysis", readonly=True)

    @api.constrains(*SETTING_FIELDS)
    def _check_xyz_settings(self):
        # the values as written: a 0 typed in the settings is refused, not read as the default
        for company in self:
            company._validate_xyz_settings({name: company[name] for name in SETTING_FIELDS})

    def _validate_xyz_settings(self, settings=None):
        """Raise a ValidationError that names the first invalid setting.

        :param settings: the values to check, by default those a run uses (_xyz_settings)
        """
        self.ensure_one()
        _ = self.env._
        settings = settings or self._xyz_settings()
        if not 2 <= settings["xyz_period_count"] <= 120:
            raise ValidationError(_("Number of Sub-periods must be between 2 and 120."))
        if settings["xyz_one_off_max_purchases"] < 1:
            raise ValidationError(_("One-off Customer: at most must be 1 or more."))
        if settings["xyz_x_max_cv"] <= 0:
            raise ValidationError(_("X: CV up to (%) must be above 0."))
        if settings["xyz_y_max_cv"] <= settings["xyz_x_max_cv"]:
            raise ValidationError(_("Y: CV up to (%) must be above X: CV up to (%)."))
        if settings["abc_a_percent"] <= 0:
            raise ValidationError(_("A: share of sales (%) must be above 0."))
        if settings["abc_b_percent"] <= 0:
            raise ValidationError(_("B: share of sales (%) must be above 0."))
        if settings["abc_a_percent"] + settings["abc_b_percent"] >= 100:
            raise ValidationError(
                _("A: share of sales (%) and B: share of sales (%) must add up to less than 100.")
            )
        if settings["xyz_source"] == "invoice" and settings["xyz_parameter"] == "margin":
            raise ValidationError(
                _(
                    "Analysed Parameter: the margin is the gross profit of sale orders; "
                    "choose the confirmed sale orders as Sales Source to analyse it."
                )
            )

    def _xyz_settings(self):
        """The settings a run uses, as stored on the run record.

        An empty setting (NULL in the database, or 0: no setting accepts 0) is its default.
        """
        self.ensure_one()
        return {name: self[name] or self._fields[name].default(self) for name in SETTING_FIELDS}

    # ------------------------------------------------ manager performance report
    xyz_weight_completeness = fields.Float(
        string="Weight of Contact Data Completeness", default=1.0, digits=(16, 2)
    )
    xyz_weight_contacts = fields.Float(string="Weight of Contacts", default=1.0, digits=(16, 2))
    xyz_weight_stage_ups = fields.Float(string="Weight of Stage Ups", default=1.0, digits=(16, 2))
    xyz_weight_stage_downs = fields.Float(
        string="Weight of Stage Downs",
        default=1.0,
        digits=(16, 2),
        help="Fewer is better: the salesperson with the fewest gets the full weight.",
    )
    xyz_weight_lost_share = fields.Float(
        string="Weight of Lost Customers",
        default=1.0,
        digits=(16, 2),
        help="Lower is better: the salesperson with the lowest share gets the full weight.",
    )
    xyz_weight_retention = fields.Float(
        string="Weight of Customer Retention", default=1.0, digits=(16, 2)
    )
    xyz_weight_completed_orders = fields.Float(
        string="Weight of Completed Orders", default=1.0, digits=(16, 2)
    )
    xyz_weight_revenue = fields.Float(string="Weight of Revenue", default=1.0, digits=(16, 2))
    xyz_weight_profit = fields.Float(string="Weight of Profit", default=1.0, digits=(16, 2))
    xyz_weight_payments = fields.Float(string="Weight of Payments", default=1.0, digits=(16, 2))

    @api.constrains(*WEIGHT_FIELDS.values())
    def _check_xyz_weights(self):
        # "not all zero" is checked by the settings, once all the weights are written
        for company in self:
            if any(weight < 0 for weight in company._xyz_weights().values()):
                raise ValidationError(
                    self.env._("The weights of the executive ranking cannot be negative.")
                )

    def _xyz_weights_by_field(self):
        """Weight of each indicator in the executive ranking, by field name."""
        self.ensure_one()
        return {name: self[name] for name in WEIGHT_FIELDS.values()}

    def _xyz_weights(self):
        """Weight of each indicator in the executive ranking, by indicator key."""
        self.ensure_one()
        return {key: self[name] for key, name in WEIGHT_FIELDS.items()}
