from odoo import api, fields, models
from odoo.exceptions import ValidationError

SETTING_FIELDS = (
    "xyz_period_unit", "xyz_period_count", "xyz_source", "xyz_parameter",
    "xyz_one_off_max_purchases", "xyz_x_max_cv", "xyz_y_max_cv",
    "abc_a_percent", "abc_b_percent",
)


class ResCompany(models.Model):
    _inherit = "res.company"

    xyz_period_unit = fields.Selection(
        [("month", "Month"), ("quarter", "Quarter"), ("week", "Week")],
        string="Analysis Sub-period", required=True, default="month",
    )
    xyz_period_count = fields.Integer(
        string="Number of Sub-periods", required=True, default=12,
        help="The analysis window is this many sub-periods up to the analysis date (2 to 120).",
    )
    xyz_source = fields.Selection(
        [("order", "Confirmed sale orders"), ("invoice", "Posted customer invoices")],
        string="Sales Source", required=True, default="order",
    )
    xyz_parameter = fields.Selection(
        [("revenue", "Revenue"), ("margin", "Margin"), ("count", "Number of sales")],
        string="Analysed Parameter", required=True, default="revenue",
    )
    xyz_one_off_max_purchases = fields.Integer(
        string="One-off Customer: at most", required=True, default=2,
        help="Customers with this many sales or fewer in the window are one-off, more are regular.",
    )
    xyz_x_max_cv = fields.Float(
        string="X: CV up to (%)", required=True, default=10.0, digits=(16, 2),
    )
    xyz_y_max_cv = fields.Float(
        string="Y: CV up to (%)", required=True, default=25.0, digits=(16, 2),
    )
    abc_a_percent = fields.Float(
        string="A: share of sales (%)", required=True, default=80.0, digits=(16, 2),
    )
    abc_b_percent = fields.Float(
        string="B: share of sales (%)", required=True, default=15.0, digits=(16, 2),
        help="C gets the rest of the sales.",
    )
    xyz_last_run_id = fields.Many2one("crm.xyz.run", string="Last Analysis", readonly=True)

    @api.constrains(*SETTING_FIELDS)
    def _check_xyz_settings(self):
        for company in self:
            company._validate_xyz_settings()

    def _validate_xyz_settings(self):
        """Raise a ValidationError that names the first invalid setting."""
        self.ensure_one()
        _ = self.env._
        if not 2 <= self.xyz_period_count <= 120:
            raise ValidationError(_("Number of Sub-periods must be between 2 and 120."))
        if self.xyz_one_off_max_purchases < 1:
            raise ValidationError(_("One-off Customer: at most must be 1 or more."))
        if self.xyz_x_max_cv <= 0:
            raise ValidationError(_("X: CV up to (%) must be above 0."))
        if self.xyz_y_max_cv <= self.xyz_x_max_cv:
            raise ValidationError(_("Y: CV up to (%) must be above X: CV up to (%)."))
        if self.abc_a_percent <= 0:
            raise ValidationError(_("A: share of sales (%) must be above 0."))
        if self.abc_b_percent <= 0:
            raise ValidationError(_("B: share of sales (%) must be above 0."))
        if self.abc_a_percent + self.abc_b_percent >= 100:
            raise ValidationError(_(
                "A: share of sales (%) and B: share of sales (%) must add up to less than 100."
            ))
        if self.xyz_source == "invoice" and self.xyz_parameter == "margin":
            raise ValidationError(_(
                "Analysed Parameter: the margin is the gross profit of sale orders; "
                "choose the confirmed sale orders as Sales Source to analyse it."
            ))

    def _xyz_settings(self):
        """The settings a run uses, as stored on the run record."""
        self.ensure_one()
        return {name: self[name] for name in SETTING_FIELDS}
