from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..models.res_company import SETTING_FIELDS, WEIGHT_FIELDS

MANAGER_GROUP = "sales_team.group_sale_manager"
COMPANY_FIELDS = (*SETTING_FIELDS, *WEIGHT_FIELDS.values())


def _company_selection(name):
    """The choices of a setting of the company (one list, translated with it)."""
    return lambda self: self.env["res.company"]._fields[name]._description_selection(self.env)


class CrmXyzClassificationSettings(models.TransientModel):
    """The classification settings and ranking weights of the current company, for sales managers.

    Sales managers own these settings but may not write the company (nor open
    the general settings): the form saves them with sudo, after checking the
    group and the values.
    """

    _name = "crm.xyz.classification.settings"
    _description = "Customer Classification Settings"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    xyz_period_unit = fields.Selection(
        _company_selection("xyz_period_unit"), string="Analysis Sub-period", required=True
    )
    xyz_period_count = fields.Integer(
        string="Number of Sub-periods",
        required=True,
        help="The analysis window is this many sub-periods up to the analysis date (2 to 120).",
    )
    xyz_source = fields.Selection(
        _company_selection("xyz_source"), string="Sales Source", required=True
    )
    xyz_parameter = fields.Selection(
        _company_selection("xyz_parameter"), string="Analysed Parameter", required=True
    )
    xyz_one_off_max_purchases = fields.Integer(
        string="One-off Customer: at most",
        required=True,
        help="Customers with this many sales or fewer in the window are one-off, more are regular.",
    )
    xyz_x_max_cv = fields.Float(string="X: CV up to (%)", digits=(16, 2), required=True)
    xyz_y_max_cv = fields.Float(string="Y: CV up to (%)", digits=(16, 2), required=True)
    abc_a_percent = fields.Float(string="A: share of sales (%)", digits=(16, 2), required=True)
    abc_b_percent = fields.Float(
        string="B: share of sales (%)",
        digits=(16, 2),
        required=True,
        help="C gets the rest of the sales.",
    )
    xyz_weight_completeness = fields.Float(
        string="Weight of Contact Data Completeness", digits=(16, 2)
    )
    xyz_weight_contacts = fields.Float(string="Weight of Contacts", digits=(16, 2))
    xyz_weight_stage_ups = fields.Float(string="Weight of Stage Ups", digits=(16, 2))
    xyz_weight_stage_downs = fields.Float(string="Weight of Stage Downs", digits=(16, 2))
    xyz_weight_lost_share = fields.Float(string="Weight of Lost Customers", digits=(16, 2))
    xyz_weight_retention = fields.Float(string="Weight of Customer Retention", digits=(16, 2))
    xyz_weight_completed_orders = fields.Float(string="Weight of Completed Orders", digits=(16, 2))
    xyz_weight_revenue = fields.Float(string="Weight of Revenue", digits=(16, 2))
    xyz_weight_profit = fields.Float(string="Weight of Profit", digits=(16, 2))
    xyz_weight_payments = fields.Float(string="Weight of Payments", digits=(16, 2))

    @api.model
    def default_get(self, fields_list):
        self._check_manager()
        defaults = super().default_get(fields_list)
        company = self.env.company
        current = {**company._xyz_settings(), **company._xyz_weights_by_field()}
        defaults.update({name: current[name] for name in COMPANY_FIELDS if name in fields_list})
        return defaults

    @api.model_create_multi
    def create(self, vals_list):
        self._check_manager()
        return super().create(vals_list)

    def write(self, vals):
        self._check_manager()
        return super().write(vals)

    def action_save(self):
        """Write the settings to the company, once the caller and the values are checked."""
        self._check_manager()
        self.ensure_one()
        if self.company_id not in self.env.companies:
            raise AccessError(
                self.env._(
                    "%(company)s is not one of the companies you work in.",
                    company=self.company_id.sudo().display_name,
                )
            )
        values = {name: self[name] for name in COMPANY_FIELDS}
        self.company_id._validate_xyz_settings({name: values[name] for name in SETTING_FIELDS})
        weights = [values[name] for name in WEIGHT_FIELDS.values()]
        if any(weight < 0 for weight in weights):
            raise ValidationError(
                self.env._("The weights of the executive ranking cannot be negative.")
            )
        if not any(weight > 0 for weight in weights):
            raise ValidationError(
                self.env._("At least one weight of the executive ranking must be above zero.")
            )
        # sales managers may not write res.company: the group and the values are checked above
        self.company_id.sudo().write(values)
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    @api.model
    def _check_manager(self):
        if not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._(
                    "Only sales managers may change the settings of customer classification."
                )
            )
