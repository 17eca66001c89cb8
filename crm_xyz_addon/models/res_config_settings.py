from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    xyz_period_unit = fields.Selection(related="company_id.xyz_period_unit", readonly=False)
    xyz_period_count = fields.Integer(related="company_id.xyz_period_count", readonly=False)
    xyz_source = fields.Selection(related="company_id.xyz_source", readonly=False)
    xyz_parameter = fields.Selection(related="company_id.xyz_parameter", readonly=False)
    xyz_one_off_max_purchases = fields.Integer(
        related="company_id.xyz_one_off_max_purchases", readonly=False
    )
    xyz_x_max_cv = fields.Float(related="company_id.xyz_x_max_cv", readonly=False)
    xyz_y_max_cv = fields.Float(related="company_id.xyz_y_max_cv", readonly=False)
    abc_a_percent = fields.Float(related="company_id.abc_a_percent", readonly=False)
    abc_b_percent = fields.Float(related="company_id.abc_b_percent", readonly=False)
