from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # The settings of the classification and the early warning have one screen, for
    # sales managers (crm.xyz.classification.settings): the Settings app links to it.

    # weights of the executive ranking (manager performance report)
    xyz_weight_completeness = fields.Float(
        related="company_id.xyz_weight_completeness", readonly=False
    )
    xyz_weight_contacts = fields.Float(related="company_id.xyz_weight_contacts", readonly=False)
    xyz_weight_stage_ups = fields.Float(related="company_id.xyz_weight_stage_ups", readonly=False)
    xyz_weight_stage_downs = fields.Float(
        related="company_id.xyz_weight_stage_downs", readonly=False
    )
    xyz_weight_lost_share = fields.Float(related="company_id.xyz_weight_lost_share", readonly=False)
    xyz_weight_retention = fields.Float(related="company_id.xyz_weight_retention", readonly=False)
    xyz_weight_won_back = fields.Float(related="company_id.xyz_weight_won_back", readonly=False)
    xyz_weight_completed_orders = fields.Float(
        related="company_id.xyz_weight_completed_orders", readonly=False
    )
    xyz_weight_revenue = fields.Float(related="company_id.xyz_weight_revenue", readonly=False)
    xyz_weight_profit = fields.Float(related="company_id.xyz_weight_profit", readonly=False)
    xyz_weight_payments = fields.Float(related="company_id.xyz_weight_payments", readonly=False)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # before the float rounding of the fields: NaN or text names the setting
            self.env["res.company"]._check_xyz_numbers(vals)
        return super().create(vals_list)

    def write(self, vals):
        self.env["res.company"]._check_xyz_numbers(vals)
        return super().write(vals)

    @api.constrains(
        "xyz_weight_completeness",
        "xyz_weight_contacts",
        "xyz_weight_stage_ups",
        "xyz_weight_stage_downs",
        "xyz_weight_lost_share",
        "xyz_weight_retention",
        "xyz_weight_won_back",
        "xyz_weight_completed_orders",
        "xyz_weight_revenue",
        "xyz_weight_profit",
        "xyz_weight_payments",
    )
    def _check_xyz_weights(self):
        # checked here, after every weight is written to the company one by one
        for settings in self:
            if not any(weight > 0 for weight in settings.company_id._xyz_weights().values()):
                raise ValidationError(
                    self.env._("At least one weight of the executive ranking must be above zero.")
                )
