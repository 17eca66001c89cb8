from odoo import Command, api, fields, models

from ..tools.record_access import readable_document, visible_record


class CrmXyzOrderAnalysis(models.TransientModel):
    """Where an order stands, line by line: ordered, delivered, invoiced and paid.

    Amounts are untaxed, in company currency: ordered and delivered at the
    order's rate, invoiced at each invoice's date; the paid part of an invoiced
    amount is the share of its invoice already paid. Credit notes subtract.
    """

    _name = "crm.xyz.order.analysis"
    _description = "Order Analysis"

    order_id = fields.Many2one(
        "sale.order", string="Sales Order", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    date_order = fields.Date(string="Order Date", readonly=True)
    line_ids = fields.One2many(
        "crm.xyz.order.analysis.line", "analysis_id", string="Lines", readonly=True
    )
    amount_ordered = fields.Monetary(string="Ordered", compute="_compute_totals")
    amount_delivered = fields.Monetary(string="Delivered", compute="_compute_totals")
    amount_invoiced = fields.Monetary(string="Invoiced", compute="_compute_totals")
    amount_paid = fields.Monetary(string="Paid", compute="_compute_totals")

    @api.depends(
        "line_ids.amount_ordered",
        "line_ids.amount_delivered",
        "line_ids.amount_invoiced",
        "line_ids.amount_paid",
    )
    def _compute_totals(self):
        for analysis in self:
            lines = analysis.line_ids
            analysis.amount_ordered = sum(lines.mapped("amount_ordered"))
            analysis.amount_delivered = sum(lines.mapped("amount_delivered"))
            analysis.amount_invoiced = sum(lines.mapped("amount_invoiced"))
            analysis.amount_paid = sum(lines.mapped("amount_paid"))

    # public: visible_record() answers alike for a missing and another user's analysis
    def action_order_documents(self):
        analysis = visible_record(self)
        return self.env["crm.xyz.order.documents"]._open_for_order(analysis.order_id)

    def action_customer_balance(self):
        analysis = visible_record(self)
        return self.env["crm.xyz.customer.balance"]._open_for_partner(
            analysis.partner_id, analysis.company_id, order=analysis.order_id
        )

    def action_open_order(self):
        analysis = visible_record(self)
        order = readable_document(self.env, "sale.order", analysis.order_id.id)
        return order._get_records_action(context={})

    @api.model
    def _open_for_order(self, order):
        """Analyse `order` (which the user must be able to read) and show the result."""
        order = readable_document(self.env, "sale.order", order.id)
        # read-only for users (forged lines would show made-up figures): created
        # as superuser once checked, still owned by the user (create_uid)
        analysis = self.sudo().create(self._prepare_values(order))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Order Analysis: %(order)s", order=order.name),
            "res_model": self._name,
            "res_id": analysis.id,
            "views": [(False, "form")],
            "target": "new",
            "context": {"dialog_size": "extra-large"},
        }

    @api.model
    def _prepare_values(self, order):
        # the user may read the order but not every invoice or transfer of it
        order = order.sudo()
        currency = order.company_id.currency_id
        rate = order.currency_rate or 1.0
        lines = order.order_line.filtered(lambda line: not line.display_type)
        delivery_dates = self._delivery_dates(lines)
        line_values = []
        for line in lines:
            invoice_lines = line.invoice_lines.filtered(lambda il: il.parent_state == "posted")
            # revenue lines are credits: minus the balance is the invoiced amount,
            # negative on credit notes
            invoiced = -sum(invoice_lines.mapped("balance"))
            paid = sum(-il.balance * self._paid_share(il.move_id) for il in invoice_lines)
            paid_dates = [date for date in self._payment_dates(invoice_lines.move_id) if date]
            line_values.append(
                {
                    "sale_line_id": line.id,
                    "product_id": line.product_id.id,
                    "description": line.name,
                    "product_uom_id": line.product_uom.id,
                    "qty_ordered": line.product_uom_qty,
                    "qty_delivered": line.qty_delivered,
                    "qty_invoiced": line.qty_invoiced,
                    "amount_ordered": currency.round(line.price_subtotal / rate),
                    "amount_delivered": currency.round(
                        line.qty_delivered * line.price_reduce_taxexcl / rate
                    ),
                    "amount_invoiced": currency.round(invoiced),
                    "amount_paid": currency.round(paid),
                    "date_delivered": delivery_dates.get(line.id),
                    "date_invoiced": max(
                        invoice_lines.move_id.mapped("invoice_date"), default=False
                    ),
                    "date_paid": max(paid_dates, default=False) if paid else False,
                }
            )
        return {
            "order_id": order.id,
            "company_id": order.company_id.id,
            "partner_id": order.partner_id.commercial_partner_id.id,
            "user_id": order.user_id.id,
            "date_order": fields.Datetime.context_timestamp(self, order.date_order).date(),
            "line_ids": [Command.create(values) for values in line_values],
        }

    @api.model
    def _delivery_dates(self, order_lines):
        """Day of the last delivery of each order line, {line id: date}.

        Without Inventory no document records when goods left: nothing to show.
        crm_xyz_addon_stock reads the done outgoing moves.
        """
        return {}

    @api.model
    def _paid_share(self, invoice):
        """Share (0 to 1) of `invoice` already paid, or settled by a credit note."""
        if invoice.payment_state in ("paid", "in_payment", "reversed"):
            return 1.0
        if not invoice.amount_total:
            return 0.0
        return (invoice.amount_total - invoice.amount_residual) / invoice.amount_total

    @api.model
    def _payment_dates(self, invoices):
        """Dates of the reconciliations and registered payments of `invoices`."""
        receivables = invoices.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        partials = receivables.matched_debit_ids | receivables.matched_credit_ids
        return partials.mapped("max_date") + invoices.matched_payment_ids.mapped("date")
