import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.sql import create_index

from ..tools import agenda_query
from ..tools.record_access import readable_document, visible_record
from .mail_activity import IMPORTANCE_LEVELS

EVENT_TYPES = [
    ("contact", "Contact"),
    ("meeting", "Meeting"),
    ("delivery", "Delivery"),
    ("payment", "Payment"),
]
EVENT_STATES = [("overdue", "Overdue"), ("today", "Today"), ("planned", "Planned")]
# first characters of the title of important and unimportant events
TITLE_MARKERS = {"high": "! ", "low": "↓ "}


class CrmXyzAgenda(models.Model):
    """One event of a salesperson's agenda: a planned contact, a meeting, a
    delivery or a payment expected from a customer.

    Read-only: the rows are computed at each read by one UNION ALL query
    (tools/agenda_query.py) with the reader's time zone and today, so that the
    state (overdue / today / planned) can be searched and grouped by.
    """

    _name = "crm.xyz.agenda"
    _description = "Agenda Event"
    _auto = False
    _order = "date, id"
    _rec_names_search = ["source_name", "summary", "partner_id"]

    # the stored columns the query reads, so that pending writes are flushed first
    _depends = {
        "mail.activity": [
            "active",
            "date_deadline",
            "importance",
            "res_name",
            "summary",
            "activity_type_id",
            "user_id",
            "res_model",
            "res_id",
        ],
        "calendar.event": [
            "active",
            "start",
            "stop",
            "allday",
            "name",
            "user_id",
            "opportunity_id",
            "privacy",
            "partner_ids",
        ],
        "sale.order": [
            "state",
            "commitment_date",
            "date_order",
            "name",
            "partner_id",
            "user_id",
            "company_id",
            "currency_rate",
            "amount_untaxed",
        ],
        "sale.order.line": [
            "order_id",
            "display_type",
            "product_id",
            "product_uom_qty",
            "qty_delivered",
            "price_reduce_taxexcl",
            "invoice_lines",
        ],
        "crm.lead": ["active", "partner_id", "company_id", "expected_revenue"],
        "account.move": [
            "state",
            "move_type",
            "payment_state",
            "name",
            "commercial_partner_id",
            "invoice_user_id",
            "company_id",
            "invoice_date_due",
            "date",
        ],
        "account.move.line": [
            "move_id",
            "account_id",
            "date_maturity",
            "amount_residual",
            "reconciled",
        ],
        "res.partner": ["active", "commercial_partner_id", "company_id", "user_id"],
        "res.users": ["share", "partner_id", "company_id"],
        "res.users.settings": ["user_id", "calendar_default_privacy"],
    }

    date = fields.Datetime(readonly=True)
    date_stop = fields.Datetime(string="End", readonly=True)
    all_day = fields.Boolean(readonly=True)
    day = fields.Date(readonly=True, help="The day of the event in your time zone.")
    event_type = fields.Selection(EVENT_TYPES, string="Type", readonly=True)
    name = fields.Char(string="Event", compute="_compute_name")
    source_name = fields.Char(string="Document", readonly=True)
    summary = fields.Char(readonly=True)
    activity_type_id = fields.Many2one("mail.activity.type", readonly=True)
    activity_id = fields.Many2one("mail.activity", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount = fields.Monetary(
        readonly=True,
        currency_field="currency_id",
        help="Untaxed value of the deal or of the goods to deliver, or the amount still due "
        "on an invoice, in company currency.",
    )
    importance = fields.Selection(IMPORTANCE_LEVELS, readonly=True)
    state = fields.Selection(EVENT_STATES, readonly=True)
    res_model = fields.Char(string="Document Model", readonly=True)
    res_id = fields.Many2oneReference(string="Document ID", model_field="res_model", readonly=True)
    order_id = fields.Many2one("sale.order", string="Sales Order", readonly=True)
    is_private = fields.Boolean(string="Private Meeting", readonly=True)
    is_hidden = fields.Boolean(
        string="Details Hidden",
        readonly=True,
        help="Another user's private meeting: only its time and organizer are shown.",
    )

    def init(self):
        super().init()
        for name, table, columns, predicate in agenda_query.PAYMENT_INDEXES:
            create_index(self.env.cr, name, table, columns, where=predicate)

    @property
    def _table_query(self):
        return agenda_query.agenda_query(
            self._event_sources(),
            tz=self._agenda_tz(),
            today=fields.Date.context_today(self),
            uid=self.env.uid,
            partner_id=self.env.user.partner_id.id,
        )

    def _agenda_tz(self):
        tz = self.env.context.get("tz") or self.env.user.tz
        return tz if tz in pytz.all_timezones_set else "UTC"

    def _event_sources(self):
        return [
            agenda_query.CONTACT_EVENTS,
            agenda_query.MEETING_EVENTS,
            self._delivery_events_query(),
            agenda_query.PAYMENT_EVENTS,
        ]

    def _delivery_events_query(self):
        """The deliveries of the agenda. Without Inventory: confirmed orders not
        fully delivered, on their commitment date; crm_xyz_addon_stock puts the
        open outgoing transfers there instead."""
        return agenda_query.ORDER_DELIVERY_EVENTS

    @api.depends_context("uid", "lang")
    @api.depends(
        "event_type",
        "source_name",
        "summary",
        "activity_type_id",
        "partner_id",
        "importance",
        "is_hidden",
    )
    def _compute_name(self):
        for event in self:
            event.name = TITLE_MARKERS.get(event.importance, "") + event._title()

    def _title(self):
        self.ensure_one()
        if self.event_type == "contact":
            label = self.summary or self.activity_type_id.name or self.env._("Contact")
            return f"{label}: {self.source_name}" if self.source_name else label
        if self.event_type == "meeting":
            if self.is_hidden:
                # as calendar.event names the private meetings of others
                return self.env._("Busy")
            return self.source_name or self.env._("Meeting")
        # informative only: the customer is also shown (in sudo) by the partner field;
        # read only here, a month holds thousands of contacts
        customer = self.partner_id.sudo().display_name
        if self.event_type == "delivery":
            return self.env._(
                "Delivery %(document)s: %(customer)s", document=self.source_name, customer=customer
            )
        if self.event_type == "payment":
            return self.env._(
                "Payment %(document)s: %(customer)s", document=self.source_name, customer=customer
            )
        return self.source_name or ""

    # ------------------------------------------------------------------ actions
    # Public (RPC can call them with any id): each starts from visible_record(),
    # which answers alike for a missing event and another user's event.
    def action_open_source(self):
        """Open the document the event comes from."""
        event = visible_record(self)
        if not event.res_model or not event.res_id:
            raise UserError(self.env._("This event has no document to open."))
        document = readable_document(self.env, event.res_model, event.res_id)
        return document._get_records_action(context={})

    def action_mark_done(self):
        """Mark the activity of a planned contact as done."""
        visible_record(self)._get_activity().action_done()
        return True

    def action_reschedule(self):
        """Open the activity in the schedule dialog to change its deadline or importance."""
        activity = visible_record(self)._get_activity()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reschedule"),
            "res_model": "mail.activity",
            "res_id": activity.id,
            "views": [(self.env.ref("mail.mail_activity_view_form_popup").id, "form")],
            "target": "new",
        }

    def action_order_analysis(self):
        order = visible_record(self)._get_order()
        return self.env["crm.xyz.order.analysis"]._open_for_order(order)

    def action_order_documents(self):
        order = visible_record(self)._get_order()
        return self.env["crm.xyz.order.documents"]._open_for_order(order)

    def action_customer_balance(self):
        event = visible_record(self)
        if not event.partner_id:
            raise UserError(self.env._("This event has no customer."))
        # the salesperson of the event's order may see the balance of its customer
        return self.env["crm.xyz.customer.balance"]._open_for_partner(
            event.partner_id, event.company_id, order=event.order_id
        )

    # ----------------------------------------------------------------- helpers
    def _get_activity(self):
        self.ensure_one()
        if self.event_type != "contact" or not self.activity_id:
            raise UserError(
                self.env._(
                    "Only planned contacts (activities) can be marked as done or rescheduled."
                )
            )
        activity = self.activity_id.exists()
        if not activity or not activity.active:
            raise UserError(self.env._("This activity is already done or was cancelled."))
        return activity

    def _get_order(self):
        self.ensure_one()
        if not self.order_id:
            raise UserError(self.env._("This event is not related to a sales order."))
        return self.order_id
