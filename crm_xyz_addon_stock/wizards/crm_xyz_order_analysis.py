from odoo import api, fields, models


class CrmXyzOrderAnalysis(models.TransientModel):
    _inherit = "crm.xyz.order.analysis"

    @api.model
    def _delivery_dates(self, order_lines):
        """Day of the last done delivery to the customer of each order line."""
        dates = super()._delivery_dates(order_lines)
        delivered = order_lines.move_ids.filtered(
            lambda move: move.state == "done" and move.location_dest_id.usage == "customer"
        )
        for move in delivered:
            day = fields.Datetime.context_timestamp(self, move.date).date()
            line_id = move.sale_line_id.id
            dates[line_id] = max(dates.get(line_id) or day, day)
        return dates
