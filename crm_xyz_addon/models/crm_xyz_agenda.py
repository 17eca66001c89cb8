import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
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
EVENT_STATES = [
    ("overdue", "Overdue"),
    ("today", "Today"),
    ("planned", "Planned"),
    ("held", "Held"),
]
# first characters of the title of important and unimportant events
TITLE_MARKERS = {"high": "! ", "low": "↓ "}

# The display name of the records of the many2one fields of the agenda, as SQL on
# the record `{alias}` ({lang}: the reader's language), so that the calendar and
# the list get them from the agenda's query itself (search_read, web_search_read).
DISPLAY_NAMES = {
    "res.partner": "COALESCE({alias}.complete_name, {alias}.name)",
    "res.users": "(SELECT login_partner.name FROM res_partner login_partner"
    " WHERE login_partner.id = {alias}.partner_id)",
    "res.company": "{alias}.name",
    "res.currency": "{alias}.name",
    "sale.order": "{alias}.name",
    "mail.activity.type": "COALESCE({alias}.name->>{lang}, {alias}.name->>'en_US')",
    "mail.activity": "COALESCE({alias}.summary, (SELECT COALESCE(kind.name->>{lang},"
    " kind.name->>'en_US') FROM mail_activity_type kind"
    " WHERE kind.id = {alias}.activity_type_id))",
}


def event_title(labels, event):
    """The title of an agenda event: the customer first (month and week views cut
    the end off), then the event, after the importance marker. `labels`: the
    translated pieces (CrmXyzAgenda._title_labels); `event`: a dict with
    event_type, importance, is_hidden, source_name, summary, and the names of
    its customer and activity type (customer_name, activity_type_name)."""
    event_type, document = event["event_type"], event["source_name"]
    customer = event["customer_name"]
    if event_type == "meeting" and event["is_hidden"]:
        # as calendar.event names the private meetings of others
        return labels["busy"]
    if event_type == "contact":
        what = event["summary"] or event["activity_type_name"] or labels["contact"]
        # an activity on the customer itself is named after it
        title = f"{what}: {document}" if document and document != customer else what
    elif event_type == "meeting":
        title = document or labels["meeting"]
    elif event_type in ("delivery", "payment"):
        title = labels[event_type] % {"document": document or ""}
    else:
        title = document or ""
    if customer:
        title = labels["with_customer"] % {"customer": customer, "event": title}
    return TITLE_MARKERS.get(event["importance"], "") + title


class CrmXyzAgenda(models.Model):
    """One event of a salesperson's agenda: a planned contact, a meeting, a
    delivery or a payment expected from a customer.

    Read-only: the rows are computed at each read by one UNION ALL query
    (tools/agenda_query.py) with the reader's time zone and today, so that the
    state (overdue / today / planned / held) can be searched and grouped by.
    The calendar and the list read them in one query (search_read and
    web_search_read below).
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
        result = super().init()
        for name, table, columns, predicate in agenda_query.PAYMENT_INDEXES:
            create_index(self.env.cr, name, table, columns, where=predicate)
        return result

    @property
    def _table_query(self):
        # the window of the search being built (_search), else every event
        window = self.env.context.get("crm_xyz_agenda_window") or agenda_query.UNBOUNDED
        return agenda_query.agenda_query(
            self._event_sources(window),
            tz=self._agenda_tz(),
            today=fields.Date.context_today(self),
            now=fields.Datetime.now(),
            uid=self.env.uid,
            partner_id=self.env.user.partner_id.id,
        )

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, **kwargs):
        # each source filters the period asked for on its own indexed columns
        window = agenda_query.window_of_domain(domain or [], fields.Date.context_today(self))
        agenda = (
            self.with_context(crm_xyz_agenda_window=window) if window.first or window.last else self
        )
        return super(CrmXyzAgenda, agenda)._search(
            domain, offset=offset, limit=limit, order=order, **kwargs
        )

    def _agenda_tz(self):
        tz = self.env.context.get("tz") or self.env.user.tz
        return tz if tz in pytz.all_timezones_set else "UTC"

    def _event_sources(self, window=agenda_query.UNBOUNDED):
        """The SQL queries of the events, each limited to `window` (an EventWindow)."""
        return [
            agenda_query.contact_events(window),
            agenda_query.meeting_events(window),
            self._delivery_events_query(window),
            agenda_query.payment_events(window),
        ]

    def _delivery_events_query(self, window=agenda_query.UNBOUNDED):
        """The deliveries of the agenda. Without Inventory: confirmed orders not
        fully delivered, on their commitment date; crm_xyz_addon_stock puts the
        open outgoing transfers there instead."""
        return agenda_query.order_delivery_events(window)

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
        labels = self._title_labels()
        for event in self:
            event.name = event_title(
                labels,
                {
                    "event_type": event.event_type,
                    "importance": event.importance,
                    "is_hidden": event.is_hidden,
                    "source_name": event.source_name,
                    "summary": event.summary,
                    # names shown whatever the reader may open, as many2one fields do
                    "customer_name": event.partner_id.sudo().display_name,
                    "activity_type_name": event.activity_type_id.sudo().display_name,
                },
            )

    def _title_labels(self):
        """The translated pieces of the titles (see event_title)."""
        return {
            "contact": self.env._("Contact"),
            "meeting": self.env._("Meeting"),
            "busy": self.env._("Busy"),
            "delivery": self.env._("Delivery %(document)s"),
            "payment": self.env._("Payment %(document)s"),
            "with_customer": self.env._("%(customer)s · %(event)s"),
        }

    # -------------------------------------------------------------------- reads
    # The calendar (search_read) and the list (web_search_read) read thousands of
    # events of a month: they get them from one query, without building records of
    # the union. Other reads, and fields this does not know, go through the ORM.
    @api.model
    @api.readonly
    def search_read(
        self, domain=None, fields=None, offset=0, limit=None, order=None, **read_kwargs
    ):
        if not fields or read_kwargs or not self._quick_read_fields().issuperset(fields):
            return super().search_read(
                domain, fields, offset=offset, limit=limit, order=order, **read_kwargs
            )
        return self._quick_search_read(
            domain or [], dict.fromkeys(fields, "pair"), offset, limit, order
        )

    @api.model
    @api.readonly
    def web_search_read(
        self, domain, specification, offset=0, limit=None, order=None, count_limit=None
    ):
        many2one_formats = self._quick_read_formats(specification)
        if many2one_formats is None:
            return super().web_search_read(
                domain,
                specification,
                offset=offset,
                limit=limit,
                order=order,
                count_limit=count_limit,
            )
        values = self._quick_search_read(domain, many2one_formats, offset, limit, order)
        return self._format_web_search_read_results(domain, values, offset, limit, count_limit)

    def _quick_read_fields(self):
        """The fields _quick_search_read reads: the columns of the query, the title,
        and many2one fields whose display name it knows."""
        return {
            name
            for name, field in self._fields.items()
            if (field.store and (field.type != "many2one" or field.comodel_name in DISPLAY_NAMES))
            or name in ("name", "display_name")
        }

    def _quick_read_formats(self, specification):
        """How _quick_search_read gives each field of a web_search_read
        `specification`: many2one fields as an id ("id"), {"id"} ("record") or
        {"id", "display_name"} ("record_name"), the others as they are; None when
        it cannot (unknown fields, other fields of a many2one, contexts)."""
        if not specification or not self._quick_read_fields().issuperset(specification):
            return None
        formats = {}
        for name, spec in specification.items():
            formats[name] = "value"
            if self._fields[name].type == "many2one":
                if "context" in spec or not set(spec.get("fields", {})) <= {"display_name"}:
                    return None
                if "fields" not in spec:
                    formats[name] = "id"
                else:
                    formats[name] = "record_name" if spec["fields"] else "record"
        return formats

    def _quick_search_read(self, domain, formats, offset, limit, order):
        """The events of `domain` read in one query, as dicts of the fields of
        `formats` (field name: "value", or for many2one fields "pair" for
        search_read's (id, name), "id", "record" or "record_name" for
        web_search_read). The query is the ORM's search (access rights, record rules,
        period pushed into the sources), with the display names of the many2one
        fields as subqueries."""
        # access rights, record rules, the order, the window of the sources
        query = self._search(domain, offset=offset, limit=limit, order=order or self._order)
        if query.is_empty():
            return []
        event, lang = query.table, self.env.lang or "en_US"
        needs_title = "name" in formats or "display_name" in formats

        def name_of(field_name):
            comodel = self.env[self._fields[field_name].comodel_name]
            name = DISPLAY_NAMES[comodel._name].format(alias="named", lang="%(lang)s")
            return SQL(
                "(SELECT %s FROM %s named WHERE named.id = %s)",
                SQL(name, lang=lang),
                SQL.identifier(comodel._table),
                SQL.identifier(event, field_name),
            )

        columns = {"id": SQL.identifier(event, "id")}
        names = {}
        for field_name, how in formats.items():
            field = self._fields[field_name]
            if field.store:
                columns[field_name] = SQL.identifier(event, field_name)
            if field.type == "many2one" and how in ("pair", "record_name"):
                names[field_name] = name_of(field_name)
        if needs_title:
            for field_name in ("event_type", "importance", "is_hidden", "source_name", "summary"):
                columns.setdefault(field_name, SQL.identifier(event, field_name))
            names.setdefault("partner_id", name_of("partner_id"))
            names.setdefault("activity_type_id", name_of("activity_type_id"))
        if "amount" in formats:
            # rounded to the currency, as Monetary fields are
            columns["amount"] = SQL(
                "(SELECT ROUND(%s / currency.rounding) * currency.rounding"
                " FROM res_currency currency WHERE currency.id = %s)",
                SQL.identifier(event, "amount"),
                SQL.identifier(event, "currency_id"),
            )
        selected = [SQL("%s AS %s", sql, SQL.identifier(key)) for key, sql in columns.items()]
        selected += [
            SQL("%s AS %s", sql, SQL.identifier(f"{key}__name")) for key, sql in names.items()
        ]
        self.env.flush_all()  # the union reads other models
        rows = self.env.execute_query_dict(query.select(*selected))

        return self._quick_read_values(rows, formats)

    def _quick_read_values(self, rows, formats):
        """The rows of _quick_search_read as the ORM reads give them."""
        labels = self._title_labels()
        values_list = []
        for row in rows:
            values = {"id": row["id"]}
            for field_name, how in formats.items():
                field = self._fields[field_name]
                value = row.get(field_name)
                if field_name in ("name", "display_name"):
                    value = event_title(
                        labels,
                        {
                            **row,
                            "customer_name": row["partner_id__name"],
                            "activity_type_name": row["activity_type_id__name"],
                        },
                    )
                elif field.type == "many2one" and value and how != "id":
                    name = row.get(f"{field_name}__name")
                    value = {
                        "pair": (value, name),
                        "record": {"id": value},
                        "record_name": {"id": value, "display_name": name},
                    }[how]
                values[field_name] = _read_value(field, value)
            values_list.append(values)
        return values_list

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


def _read_value(field, value):
    """`value` of `field` from SQL as the ORM's read gives it."""
    if field.type == "boolean":
        return bool(value)
    if field.type in ("integer", "many2one_reference"):
        return value or 0
    if field.type in ("float", "monetary"):
        return float(value or 0.0)
    return False if value is None else value
