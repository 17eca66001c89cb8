from odoo import Command, api, fields, models
from odoo.exceptions import AccessError

from ..tools.record_access import not_found_error

SALE_DOCUMENT_TYPES = ("out_invoice", "out_refund", "out_receipt")


class CrmXyzCustomerBalance(models.TransientModel):
    """What a customer (commercial partner) owes a company: invoiced, paid, due
    and overdue, from the posted receivable journal items, in company currency
    and taxes included, with the open documents."""

    _name = "crm.xyz.customer.balance"
    _description = "Customer Balance"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(string="As of", readonly=True)
    amount_invoiced = fields.Monetary(
        string="Invoiced",
        readonly=True,
        help="Customer invoices less credit notes, taxes included.",
    )
    amount_paid = fields.Monetary(
        string="Paid",
        readonly=True,
        help="Payments and other settlements received on the receivable account.",
    )
    amount_due = fields.Monetary(
        string="Due", readonly=True, help="What the customer still owes (receivable balance)."
    )
    amount_overdue = fields.Monetary(
        string="Overdue", readonly=True, help="The part of the due amount past its due date."
    )
    line_ids = fields.One2many(
        "crm.xyz.document.line", "balance_id", string="Open Documents", readonly=True
    )

    @api.model
    def _open_for_partner(self, partner, company=None, order=None):
        """Show the balance of `partner`'s commercial partner in `company`
        (the current company by default), reached from `order` if given.

        The public actions that lead here (agenda, order analysis) pass what
        the user clicked; the rights are checked here."""
        partner.ensure_one()
        if not partner.exists() or not partner.has_access("read"):
            raise not_found_error(self.env)
        customer = partner.commercial_partner_id
        company = company or self.env.company
        self._check_balance_access(customer, company, order)
        # read-only for users (a forged balance would show made-up figures):
        # created as superuser once checked, still owned by the user (create_uid)
        balance = self.sudo().create(self._balance_values(customer, company))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Balance: %(customer)s", customer=customer.display_name),
            "res_model": self._name,
            "res_id": balance.id,
            "views": [(False, "form")],
            "target": "new",
            "context": {"dialog_size": "large"},
        }

    @api.model
    def _check_balance_access(self, customer, company, order=None):
        """Invoicing and accounting users see any customer's balance; a
        salesperson his own customers' (his on the customer, or on the order he
        drilled down from); nobody else."""
        if self.env.su:
            return
        user = self.env.user
        if company not in user.company_ids:
            raise not_found_error(self.env)
        if user.has_group("account.group_account_invoice") or user.has_group(
            "account.group_account_readonly"
        ):
            return
        if user.has_group("sales_team.group_sale_salesman"):
            if customer.sudo().user_id == user:
                return
            order = (order or self.env["sale.order"]).sudo()
            order_customers = (order.partner_id | order.partner_invoice_id).commercial_partner_id
            if order.user_id == user and customer in order_customers:
                return
        raise AccessError(
            self.env._(
                "You are not allowed to see the balance of %(customer)s: only the salesperson "
                "of the customer (or of its order) and invoicing users may.",
                customer=customer.display_name,
            )
        )

    @api.model
    def _balance_values(self, customer, company):
        today = fields.Date.context_today(self)
        # the figures come from accounting, which a salesperson may not read in full
        MoveLine = self.env["account.move.line"].sudo()
        domain = [
            ("company_id", "=", company.id),
            ("partner_id", "child_of", customer.id),
            ("parent_state", "=", "posted"),
            ("account_id.account_type", "=", "asset_receivable"),
        ]
        sale_documents = [("move_id.move_type", "in", SALE_DOCUMENT_TYPES)]
        other_entries = [("move_id.move_type", "not in", SALE_DOCUMENT_TYPES)]
        [[invoiced]] = MoveLine._read_group(domain + sale_documents, [], ["balance:sum"])
        [[settled]] = MoveLine._read_group(domain + other_entries, [], ["balance:sum"])
        open_lines = MoveLine.search(
            [*domain, ("reconciled", "=", False), ("amount_residual", "!=", 0)]
        )
        overdue_lines = open_lines.filtered(
            lambda line: (
                line.amount_residual > 0 and line.date_maturity and line.date_maturity < today
            )
        )
        return {
            "partner_id": customer.id,
            "company_id": company.id,
            "date": today,
            "amount_invoiced": invoiced or 0.0,
            "amount_paid": -(settled or 0.0),
            "amount_due": sum(open_lines.mapped("amount_residual")),
            "amount_overdue": sum(overdue_lines.mapped("amount_residual")),
            "line_ids": [
                Command.create(values) for values in self._open_document_values(open_lines, today)
            ],
        }

    @api.model
    def _open_document_values(self, open_lines, today):
        Line = self.env["crm.xyz.document.line"]
        values = []
        for move, lines in open_lines.grouped("move_id").items():
            date_due = min(filter(None, lines.mapped("date_maturity")), default=move.date)
            if move.move_type in SALE_DOCUMENT_TYPES:
                document_type = "credit_note" if move.move_type == "out_refund" else "invoice"
                document = move
            else:
                document_type = "payment"
                document = move.origin_payment_id or move
            residual = sum(lines.mapped("amount_residual"))
            values.append(
                Line._document_values(
                    document,
                    document_type,
                    date=move.invoice_date or move.date,
                    date_due=date_due,
                    days_overdue=max((today - date_due).days, 0) if residual > 0 else 0,
                    amount=move.amount_total_signed,
                    amount_due=residual,
                    status=Line._selection_label(move, "status_in_payment"),
                )
            )
        return values
