from odoo import api, fields, models


class CrmXyzOrderDocuments(models.TransientModel):
    _inherit = "crm.xyz.order.documents"

    @api.model
    def _document_values(self, order):
        values = super()._document_values(order)
        Line = self.env["crm.xyz.document.line"]
        for picking in order.sudo().picking_ids.filtered(lambda p: p.state != "cancel"):
            values.append(
                Line._document_values(
                    picking,
                    "return" if picking.picking_type_code == "incoming" else "delivery",
                    date=fields.Datetime.context_timestamp(
                        self, picking.date_done or picking.scheduled_date
                    ).date(),
                    status=Line._selection_label(picking, "state"),
                )
            )
        return values
