from odoo import fields, models


class CrmXyzOrderAnalysisLine(models.TransientModel):
    _name = "crm.xyz.order.analysis.line"
    _description = "Order Analysis Line"
    _order = "id"

    analysis_id = fields.Many2one(
        "crm.xyz.order.analysis", required=True, readonly=True, ondelete="cascade", index=True
    )
    currency_id = fields.Many2one(related="analysis_id.currency_id")
    sale_line_id = fields.Many2one("sale.order.line", string="Order Line", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    description = fields.Text(readonly=True)
    product_uom_id = fields.Many2one("uom.uom", string="Unit", readonly=True)
    qty_ordered = fields.Float(
        string="Ordered Qty", digits="Product Unit of Measure", readonly=True
    )
    qty_delivered = fields.Float(
        string="Delivered Qty", digits="Product Unit of Measure", readonly=True
    )
    qty_invoiced = fields.Float(
        string="Invoiced Qty", digits="Product Unit of Measure", readonly=True
    )
    amount_ordered = fields.Monetary(string="Ordered", readonly=True)
    amount_delivered = fields.Monetary(string="Delivered", readonly=True)
    amount_invoiced = fields.Monetary(string="Invoiced", readonly=True)
    amount_paid = fields.Monetary(string="Paid", readonly=True)
    date_delivered = fields.Date(
        string="Delivered On", readonly=True, help="Day of the last delivery."
    )
    date_invoiced = fields.Date(
        string="Invoiced On", readonly=True, help="Date of the last invoice."
    )
    date_paid = fields.Date(string="Paid On", readonly=True, help="Date of the last payment.")
