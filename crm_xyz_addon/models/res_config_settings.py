from lxml import etree

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .res_company import WEIGHT_FIELDS


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # The settings of the classification and the early warning have one screen, for
    # sales managers (crm.xyz.classification.settings): the Settings app links to it.

    # weights of the executive ranking (manager performance report), one per indicator
    # (tools/report_indicators.py), laid out by _get_view()
    for _name in WEIGHT_FIELDS.values():
        locals()[_name] = fields.Float(related=f"company_id.{_name}", readonly=False)
    del _name

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # before the float rounding of the fields: NaN or text names the setting
            self.env["res.company"]._check_xyz_numbers(vals)
        return super().create(vals_list)

    def write(self, vals):
        self.env["res.company"]._check_xyz_numbers(vals)
        return super().write(vals)

    @api.constrains(*WEIGHT_FIELDS.values())
    def _check_xyz_weights(self):
        # checked here, after every weight is written to the company one by one
        for settings in self:
            if not any(weight > 0 for weight in settings.company_id._xyz_weights().values()):
                raise ValidationError(
                    self.env._("At least one weight of the executive ranking must be above zero.")
                )

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        """The Sales settings list one weight per indicator of the report."""
        arch, view = super()._get_view(view_id, view_type, **options)
        for weights in arch.iterfind(".//div[@name='crm_xyz_ranking_weights']"):
            for name in WEIGHT_FIELDS.values():
                row = etree.SubElement(weights, "div", {"class": "row"})
                etree.SubElement(row, "label", {"for": name, "class": "col-lg-7 o_light_label"})
                etree.SubElement(row, "field", {"name": name, "class": "col-lg-3"})
        return arch, view
