from odoo import Command, api, fields, models

from ..tools.record_access import readable_document, visible_record


class CrmXyzOrderDocuments(models.TransientModel):
    """The documents that followed an order: deliveries, invoices, credit notes
    and payments, by date."""

    _name = "crm.xyz.order.documents"
    _description = "Order Documents"

    order_id = fields.Many2one(
        "sale.order", string="Sales Order", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    line_ids = fields.One2many(
        "crm.xyz.document.line", "documents_id", string="Documents", readonly=True
    )

    def action_open_order(self):
        # public: the same answer for a missing and another user's record
        documents = visible_record(self)
        order = readable_document(self.env, "sale.order", documents.order_id.id)
        return order._get_records_action(context={})

    @api.model
    def _open_for_order(self, order):
        """List the documents of `order` (which the user must be able to read)."""
        order = readable_document(self.env, "sale.order", order.id)
        # read-only for users (a forged line could point anywhere): created as
        # superuser once checked, still owned by the user (create_uid)
        documents = self.sudo().create(
            {
                "order_id": order.id,
                "company_id": order.company_id.id,
                "partner_id": order.partner_id.commercial_partner_id.id,
                "line_ids": [Command.create(values) for values in self._document_values(order)],
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Documents: %(order)s", order=order.name),
            "res_model": self._name,
            "res_id": documents.id,
            "views": [(False, "form")],
            "target": "new",
            "context": {"dialog_size": "large"},
        }

    @api.model
    def _document_values(self, order):
        """Line values of the documents of `order`; crm_xyz_addon_stock adds the transfers."""
        # the user may read the order but not every invoice or payment of it
        order = order.sudo()
        Line = self.env["crm.xyz.document.line"]
        values = []
        invoices = order.invoice_ids.filtered(lambda move: move.state != "cancel")
        for invoice in invoices:
            values.append(
                Line._document_values(
                    invoice,
                    "credit_note" if invoice.move_type == "out_refund" else "invoice",
                    date=invoice.invoice_date or invoice.date,
                    date_due=invoice.invoice_date_due,
                    amount=invoice.amount_total_signed,
                    amount_due=invoice.amount_residual_signed,
                    status=Line._selection_label(invoice, "status_in_payment"),
                )
            )
        posted = invoices.filtered(lambda move: move.state == "posted")
        payments = posted._get_reconciled_payments() | posted.matched_payment_ids
        for payment in payments:
            values.append(
                Line._document_values(
                    payment,
                    "payment",
                    date=payment.date,
                    amount=payment.amount_company_currency_signed,
                    status=Line._selection_label(payment, "state"),
                )
            )
        # payments reconciled straight from a bank statement have no payment record
        for statement_line in posted._get_reconciled_statement_lines():
            values.append(
                Line._document_values(
                    statement_line.move_id,
                    "payment",
                    date=statement_line.date,
                    amount=statement_line.move_id.amount_total_signed,
                    status=Line._selection_label(statement_line.move_id, "state"),
                )
            )
        return values
