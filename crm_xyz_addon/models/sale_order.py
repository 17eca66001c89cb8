from collections import defaultdict

from odoo import api, fields, models

from ..tools import classification_query, report_summaries
from ..tools.vocabulary import ABC_SELECTION, STAGE_SELECTION, XYZ_SELECTION

SALES_GROUP = "sales_team.group_sale_salesman"
# the three classes at confirmation are fetched together and only when asked for:
# Odoo checks the group of every field of a prefetch group each time it fetches the
# order, which confirming an order does a dozen times
CONFIRMED_CLASSES_PREFETCH = "crm_xyz_confirmed_classes"
# the customer's classes an order keeps from its confirmation
CONFIRMED_CLASS_FIELDS = (
    "confirmed_relationship_stage",
    "confirmed_abc_class",
    "confirmed_xyz_class",
)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # the customer's classification now (for the current company)
    customer_relationship_stage = fields.Selection(
        STAGE_SELECTION,
        string="Customer Stage",
        compute="_compute_customer_classification",
        groups=SALES_GROUP,
    )
    customer_abc_class = fields.Selection(
        ABC_SELECTION,
        string="Customer ABC",
        compute="_compute_customer_classification",
        groups=SALES_GROUP,
    )
    customer_xyz_class = fields.Selection(
        XYZ_SELECTION,
        string="Customer XYZ",
        compute="_compute_customer_classification",
        groups=SALES_GROUP,
    )
    # ... and as it was when the order was confirmed, for the sales analysis
    confirmed_relationship_stage = fields.Selection(
        STAGE_SELECTION,
        string="Stage at Confirmation",
        readonly=True,
        copy=False,
        groups=SALES_GROUP,
        prefetch=CONFIRMED_CLASSES_PREFETCH,
    )
    confirmed_abc_class = fields.Selection(
        ABC_SELECTION,
        string="ABC at Confirmation",
        readonly=True,
        copy=False,
        groups=SALES_GROUP,
        prefetch=CONFIRMED_CLASSES_PREFETCH,
    )
    confirmed_xyz_class = fields.Selection(
        XYZ_SELECTION,
        string="XYZ at Confirmation",
        readonly=True,
        copy=False,
        groups=SALES_GROUP,
        prefetch=CONFIRMED_CLASSES_PREFETCH,
    )
    # stored so that the manager report counts a year of completed orders without
    # reading their lines; filled by SQL at install and upgrade
    # (manager_report_query.fill_completed_orders)
    xyz_completed = fields.Boolean(
        string="Completed",
        compute="_compute_xyz_completed",
        store=True,
        copy=False,
        help="Every product line is fully delivered and fully invoiced by posted invoices "
        "(down payments aside): the order counts as completed in the manager performance "
        "report.",
    )

    @api.depends(
        "order_line.display_type",
        "order_line.is_downpayment",
        "order_line.product_uom_qty",
        "order_line.qty_delivered",
        "order_line.qty_invoiced",
        "order_line.invoice_lines.parent_state",
    )
    def _compute_xyz_completed(self):
        # the Python twin of manager_report_query.COMPLETED_ORDERS (same rules)
        for order in self:
            lines = order.order_line.filtered(lambda line: not line.display_type)
            product_lines = lines.filtered(lambda line: not line.is_downpayment)
            order.xyz_completed = (
                any(line.product_uom_qty > 0 for line in lines)
                and not any(
                    line.qty_delivered < line.product_uom_qty
                    or line.qty_invoiced < line.product_uom_qty
                    for line in product_lines
                )
                # a draft invoice is not an invoice yet (its lines count in qty_invoiced)
                and not any(
                    invoice_line.parent_state == "draft"
                    for invoice_line in product_lines.invoice_lines
                )
            )

    @api.depends_context("company")
    @api.depends("partner_id.commercial_partner_id", "company_id")
    def _compute_customer_classification(self):
        for order in self:
            customer = order.partner_id.commercial_partner_id.sudo().with_company(
                order.company_id or self.env.company
            )
            order.customer_relationship_stage = customer.relationship_stage
            order.customer_abc_class = customer.abc_class
            order.customer_xyz_class = customer.xyz_class

    def unlink(self):
        if self.ids:
            # their rows of the manager report's summaries no longer count (a write
            # leaves its date for the report to see)
            report_summaries.log_changes(self.env, report_summaries.log_order_deletions(self.ids))
        return super().unlink()

    def _xyz_confirmation_classes(self):
        """{order: (stage, ABC, XYZ)} of each order's customer now, in the order's company,
        in one query (the confirmation of several orders reads them twice: see
        action_confirm())."""
        orders = self.sudo()
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        self.env["crm.xyz.classification"].flush_model(
            ["partner_id", "company_id", "relationship_stage", "abc_class", "xyz_class"]
        )
        # the orders' contacts and companies are in the cache: two tables to read
        self.env.cr.execute(classification_query.classes_of_contacts(orders.partner_id.ids))
        classes = {
            (partner_id, company_id): tuple(value or False for value in row)
            for partner_id, company_id, *row in self.env.cr.fetchall()
        }
        unclassified = (False,) * len(CONFIRMED_CLASS_FIELDS)
        return {
            order: classes.get((order.partner_id.id, order.company_id.id), unclassified)
            for order in orders
        }

    def _xyz_classes_in_confirmation_write(self):
        """Whether the confirmation's own write can carry the classes: the user may
        write them (else action_confirm() writes them as superuser)."""
        return self.env.su or self.env.user.has_group(SALES_GROUP)

    def _prepare_confirmation_values(self):
        values = super()._prepare_confirmation_values()
        # orders of one class (one order, always) take it with the confirmation's own
        # write; the others get theirs in action_confirm()
        if self._xyz_classes_in_confirmation_write():
            classes = set(self._xyz_confirmation_classes().values())
            if len(classes) == 1:
                values.update(zip(CONFIRMED_CLASS_FIELDS, classes.pop(), strict=True))
        return values

    def action_confirm(self):
        result = super().action_confirm()
        if len(self) == 1 and self._xyz_classes_in_confirmation_write():
            return result  # _prepare_confirmation_values() gave it its class
        by_classes = defaultdict(lambda: self.env["sale.order"].sudo())
        for order, classes in self._xyz_confirmation_classes().items():
            if tuple(order[name] for name in CONFIRMED_CLASS_FIELDS) != classes:
                by_classes[classes] |= order
        for classes, orders in by_classes.items():
            orders.write(dict(zip(CONFIRMED_CLASS_FIELDS, classes, strict=True)))
        return result
