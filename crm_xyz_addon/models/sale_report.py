from odoo import fields, models

from ..tools.vocabulary import ABC_SELECTION, STAGE_SELECTION, XYZ_SELECTION


class SaleReport(models.Model):
    _inherit = "sale.report"

    confirmed_relationship_stage = fields.Selection(
        STAGE_SELECTION, string="Customer Stage at Confirmation", readonly=True
    )
    confirmed_abc_class = fields.Selection(
        ABC_SELECTION, string="Customer ABC at Confirmation", readonly=True
    )
    confirmed_xyz_class = fields.Selection(
        XYZ_SELECTION, string="Customer XYZ at Confirmation", readonly=True
    )

    def _select_additional_fields(self):
        fields_sql = super()._select_additional_fields()
        fields_sql["confirmed_relationship_stage"] = "s.confirmed_relationship_stage"
        fields_sql["confirmed_abc_class"] = "s.confirmed_abc_class"
        fields_sql["confirmed_xyz_class"] = "s.confirmed_xyz_class"
        return fields_sql

    def _group_by_sale(self):
        return (
            super()._group_by_sale()
            + """,
            s.confirmed_relationship_stage,
            s.confirmed_abc_class,
            s.confirmed_xyz_class"""
        )
