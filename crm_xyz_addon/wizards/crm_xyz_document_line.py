from odoo import fields, models

from ..tools.record_access import readable_document, visible_record

DOCUMENT_TYPES = [
    ("delivery", "Delivery"),
    ("return", "Return"),
    ("invoice", "Invoice"),
    ("credit_note", "Credit Note"),
    ("payment", "Payment"),
]


class CrmXyzDocumentLine(models.TransientModel):
    """A document listed by the order documents or by the customer balance."""

    _name = "crm.xyz.document.line"
    _description = "Related Document"
    _order = "date, id"

    documents_id = fields.Many2one(
        "crm.xyz.order.documents", readonly=True, ondelete="cascade", index=True
    )
    balance_id = fields.Many2one(
        "crm.xyz.customer.balance", readonly=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    document_type = fields.Selection(DOCUMENT_TYPES, string="Type", readonly=True)
    name = fields.Char(string="Document", readonly=True)
    date = fields.Date(readonly=True)
    date_due = fields.Date(string="Due Date", readonly=True)
    days_overdue = fields.Integer(readonly=True)
    amount = fields.Monetary(readonly=True, help="In company currency, taxes included.")
    amount_due = fields.Monetary(readonly=True)
    status = fields.Char(readonly=True)
    res_model = fields.Char(string="Document Model", readonly=True)
    res_id = fields.Many2oneReference(string="Document ID", model_field="res_model", readonly=True)
    can_open = fields.Boolean(readonly=True, help="Whether you may read the document.")

    def action_open_document(self):
        # public: a missing, forbidden or unknown line or document gets one answer
        line = visible_record(self)
        document = readable_document(self.env, line.res_model, line.res_id)
        return document._get_records_action(context={})

    def _document_values(self, document, document_type, **values):
        """Values of a line for `document` (read in sudo by the caller)."""
        return {
            "document_type": document_type,
            "name": document.display_name,
            "res_model": document._name,
            "res_id": document.id,
            "can_open": document.with_env(self.env).has_access("read"),
            "company_id": document.company_id.id,
            **values,
        }

    def _selection_label(self, record, field_name):
        """Translated label of a selection field's value of `record`."""
        field = record._fields[field_name]
        return dict(field._description_selection(self.env)).get(record[field_name], "")
