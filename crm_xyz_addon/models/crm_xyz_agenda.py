import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL
from odoo.tools.sql import create_index

from ..tools import agenda_query
from ..tools.record_access import MAX_BIGINT_ID, readable_document, visible_record
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

# The comodels of the many2one fields of the agenda whose display name the
# calendar's and the list's reads take from the agenda's query itself
# (CrmXyzAgenda._display_name_sql), rather than from records.
NAMED_COMODELS = {
    "res.partner",
    "res.users",
    "res.company",
    "res.currency",
    "sale.order",
    "mail.activity.type",
    "mail.activity",
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
        "crm.xyz.warning": ["partner_id", "company_id"],
        "res.users": ["share", "partner_id", "company_id"],
        "res.users.settings": ["user_id", "calendar_default_privacy"],
    }

    date = fields.Datetime(readonly=True)
    date_stop = fields.Datetime(string="End", readonly=True)
    all_day = fields.Boolean(readonly=True)
    day = fields.Date(readonly=True, help="The day of the event in your time zone.")
    event_type = fields.Selection(EVENT_TYPES, string="Type", readonly=True)
    name = fields.Char(string="Event", compute="_compute_name", search="_search_name")
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
        for name, table, columns, predicate in agenda_query.AGENDA_INDEXES:
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

    def _search_name(self, operator, value):
        """The title is made when read: it is searched through its parts (the customer, the
        document, the activity's summary or type); conditions on the whole title, which
        the parts cannot answer, are refused."""
        if operator in ("!=", "=") and value is False:
            # every event has a title
            return expression.TRUE_DOMAIN if operator == "!=" else expression.FALSE_DOMAIN
        if operator not in expression.WILDCARD_OPERATORS or not isinstance(value, str):
            raise UserError(
                self.env._(
                    "Agenda events can be searched by a part of their title (the customer, "
                    "the document, the subject or the activity type) with 'contains' or "
                    "'does not contain'."
                )
            )
        positive = (
            expression.TERM_OPERATORS_NEGATION[operator]
            if operator.startswith("not ")
            else operator
        )
        parts = expression.OR(
            [
                [("source_name", positive, value)],
                [("summary", positive, value)],
                [("partner_id", positive, value)],
                # the activity type names the event only when it has no summary
                [("summary", "=", False), ("activity_type_id", positive, value)],
            ]
        )
        return ["!", *parts] if positive != operator else parts

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
    # events of a month: each read is one query (the list's count included), with
    # the display names joined in, and builds no record of the union. Other reads,
    # and fields this does not know, go through the ORM.
    @api.model
    @api.readonly
    def search_read(
        self, domain=None, fields=None, offset=0, limit=None, order=None, **read_kwargs
    ):
        if not fields or read_kwargs or not self._quick_read_fields().issuperset(fields):
            return super().search_read(
                domain, fields, offset=offset, limit=limit, order=order, **read_kwargs
            )
        values, _count = self._quick_search_read(
            domain or [], dict.fromkeys(fields, "pair"), offset, limit, order
        )
        return values

    @api.model
    @api.readonly
    def web_search_read(
        self, domain, specification, offset=0, limit=None, order=None, count_limit=None
    ):
        formats = self._quick_read_formats(specification)
        if formats is None:
            return super().web_search_read(
                domain,
                specification,
                offset=offset,
                limit=limit,
                order=order,
                count_limit=count_limit,
            )
        values, count = self._quick_search_read(
            domain, formats, offset, limit, order, with_count=bool(limit)
        )
        if not values:
            return {"length": 0, "records": []}
        # the length as _format_web_search_read_results gives it, from the count
        # of the query rather than a second one (search_count)
        length = len(values) + offset
        count_limit_reached = count_limit and count_limit <= length
        if limit and (
            (len(values) == limit and not count_limit_reached)
            or self.env.context.get("force_search_count")
        ):
            length = min(count, count_limit) if count_limit else count
        return {"length": length, "records": values}

    def _quick_read_fields(self):
        """The fields _quick_search_read reads: the columns of the query, the title,
        and many2one fields whose display name it knows."""
        return {
            name
            for name, field in self._fields.items()
            if (field.store and (field.type != "many2one" or field.comodel_name in NAMED_COMODELS))
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

    def _quick_search_read(self, domain, formats, offset, limit, order, with_count=False):
        """The events of `domain` read in one query, as dicts of the fields of
        `formats` (field name: "value", or for many2one fields "pair" for
        search_read's (id, name), "id", "record" or "record_name" for
        web_search_read), and with `with_count` the number of events of `domain`
        (else 0). The query is the ORM's search (access rights, record rules, the
        period pushed into the sources), with the tables of the display names
        joined to it."""
        query = self._search(domain, offset=offset, limit=limit, order=order or self._order)
        if query.is_empty():
            return [], 0
        event = query.table
        lang = self.env.lang or "en_US"
        columns = [SQL.identifier(event, "id")]

        def position(sql):
            columns.append(sql)
            return len(columns) - 1

        # (field name, how its value is made, position of its column, of its name)
        readers = []
        for field_name, how in formats.items():
            field = self._fields[field_name]
            if field_name in ("name", "display_name"):
                readers.append((field_name, "title", None, None))
            elif field_name == "amount":
                # rounded to the currency, as Monetary fields are
                currency = query.left_join(
                    event, "currency_id", "res_currency", "id", "currency_id"
                )
                amount = SQL(
                    "ROUND(%s / %s) * %s",
                    SQL.identifier(event, "amount"),
                    SQL.identifier(currency, "rounding"),
                    SQL.identifier(currency, "rounding"),
                )
                readers.append((field_name, "float", position(amount), None))
            elif field.type == "many2one":
                value = position(SQL.identifier(event, field_name))
                name = None
                if how in ("pair", "record_name"):
                    name = position(self._display_name_sql(query, field_name, lang))
                readers.append((field_name, how, value, name))
            else:
                kind = {
                    "boolean": "boolean",
                    "float": "float",
                    "monetary": "float",
                    "integer": "integer",
                    "many2one_reference": "integer",
                }.get(field.type, "value")
                readers.append(
                    (field_name, kind, position(SQL.identifier(event, field_name)), None)
                )
        title = None
        if any(kind == "title" for _name, kind, _value, _label in readers):
            title = [
                (key, position(SQL.identifier(event, key)))
                for key in ("event_type", "importance", "is_hidden", "source_name", "summary")
            ] + [
                ("customer_name", position(self._display_name_sql(query, "partner_id", lang))),
                (
                    "activity_type_name",
                    position(self._display_name_sql(query, "activity_type_id", lang)),
                ),
            ]
        count = position(SQL("COUNT(*) OVER ()")) if with_count else None
        self.env.flush_all()  # the union reads other models
        rows = self.env.execute_query(query.select(*columns))
        values_list = self._quick_read_values(rows, readers, title)
        return values_list, (rows[0][count] if rows and count else 0)

    def _display_name_sql(self, query, field_name, lang):
        """The display name of the record of many2one `field_name` (its comodel in
        NAMED_COMODELS) of the events of `query`, on its table joined to them, in
        language `lang`."""
        comodel_name = self._fields[field_name].comodel_name
        table = self.env[comodel_name]._table
        named = query.left_join(query.table, field_name, table, "id", field_name)
        if comodel_name == "res.partner":
            return SQL(
                "COALESCE(%s, %s)",
                SQL.identifier(named, "complete_name"),
                SQL.identifier(named, "name"),
            )
        if comodel_name == "res.users":
            person = query.left_join(named, "partner_id", "res_partner", "id", "partner_id")
            return SQL.identifier(person, "name")
        if comodel_name == "mail.activity.type":
            return _translated_name(named, lang)
        if comodel_name == "mail.activity":
            # its summary, else the name of its type
            kind = query.left_join(
                named, "activity_type_id", "mail_activity_type", "id", "activity_type_id"
            )
            return SQL(
                "COALESCE(%s, %s)", SQL.identifier(named, "summary"), _translated_name(kind, lang)
            )
        return SQL.identifier(named, "name")

    def _quick_read_values(self, rows, readers, title):
        """The `rows` of _quick_search_read as the ORM's reads give them: `readers`
        say how (see there), `title` where the pieces of the title are."""
        labels = self._title_labels() if title else None
        values_list = []
        for row in rows:
            values = {"id": row[0]}
            for field_name, kind, value_at, name_at in readers:
                if kind == "title":
                    values[field_name] = event_title(labels, {key: row[at] for key, at in title})
                    continue
                value = row[value_at]
                if kind in ("value", "id"):
                    values[field_name] = False if value is None else value
                elif kind == "float":
                    values[field_name] = float(value or 0.0)
                elif kind == "integer":
                    values[field_name] = value or 0
                elif kind == "boolean":
                    values[field_name] = bool(value)
                elif not value:  # many2one without a record
                    values[field_name] = False
                elif kind == "pair":
                    values[field_name] = (value, row[name_at])
                elif kind == "record":
                    values[field_name] = {"id": value}
                else:
                    values[field_name] = {"id": value, "display_name": row[name_at]}
            values_list.append(values)
        return values_list

    # ------------------------------------------------------------------ actions
    # Public (RPC can call them with any id): each starts from visible_record(),
    # which answers alike for a missing event and another user's event.
    def action_open_source(self):
        """Open the document the event comes from."""
        event = visible_record(self, MAX_BIGINT_ID)
        if not event.res_model or not event.res_id:
            raise UserError(self.env._("This event has no document to open."))
        document = readable_document(self.env, event.res_model, event.res_id)
        return document._get_records_action(context={})

    def action_mark_done(self):
        """Mark the activity of a planned contact as done."""
        visible_record(self, MAX_BIGINT_ID)._get_activity().action_done()
        return True

    def action_reschedule(self):
        """Open the activity in the schedule dialog to change its deadline or importance."""
        activity = visible_record(self, MAX_BIGINT_ID)._get_activity()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reschedule"),
            "res_model": "mail.activity",
            "res_id": activity.id,
            "views": [(self.env.ref("mail.mail_activity_view_form_popup").id, "form")],
            "target": "new",
        }

    def action_order_analysis(self):
        order = visible_record(self, MAX_BIGINT_ID)._get_order()
        return self.env["crm.xyz.order.analysis"]._open_for_order(order)

    def action_order_documents(self):
        order = visible_record(self, MAX_BIGINT_ID)._get_order()
        return self.env["crm.xyz.order.documents"]._open_for_order(order)

    def action_customer_balance(self):
        event = visible_record(self, MAX_BIGINT_ID)
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


def _translated_name(alias, lang):
    """The name of a record of table `alias` with a translated name (jsonb), in `lang`."""
    return SQL(
        "COALESCE(%s->>%s, %s->>'en_US')",
        SQL.identifier(alias, "name"),
        lang,
        SQL.identifier(alias, "name"),
    )
