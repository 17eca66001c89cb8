"""All the SQL of the salesperson agenda (model crm.xyz.agenda).

The agenda is one UNION ALL of event sources. Every source returns the columns
of EVENT_COLUMNS in that order; the outer query adds the day of the event in the
reader's time zone and its state against the reader's today.

Ids are ``source id * 10 + kind`` so that each event keeps the same id between
two reads (the calendar and the list re-read records by id). Kinds: 1 activity,
2 meeting, 3 order to deliver, 4 outgoing transfer (crm_xyz_addon_stock),
5 open invoice instalment; an addon adding a source takes a free digit.

Conventions shared by all sources:
- all-day events hold their day at 08:00 (as calendar.event does for its
  all-day meetings), timed events a UTC datetime;
- amounts are untaxed and in company currency, converted at the document's
  date (order rate), except payments whose amount is the residual still due;
- partner_id is the commercial partner (child contacts roll up to it);
- every event has a company, so that company rules apply to all of them;
- amounts are NULL where there is none (contacts on a customer, meetings);
- each source takes an EventWindow and keeps only the events in it, filtering
  on its own indexed columns (the reader's date filters on the union's
  computed `date` reach no index).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from odoo import fields
from odoo.osv import expression
from odoo.tools import SQL

EVENT_COLUMNS = (
    "id",
    "event_type",
    "date",
    "date_stop",
    "all_day",
    "importance",
    "source_name",
    "summary",
    "activity_type_id",
    "activity_id",
    "partner_id",
    "user_id",
    "company_id",
    "amount",
    "res_model",
    "res_id",
    "order_id",
    "is_private",
)


@dataclass(frozen=True)
class EventWindow:
    """The days (`first` to `last`, both included, None: unbounded) outside of
    which no event the reader asked for lies, a little wider than asked: each
    source filters its own date columns with it, the reader's domain still
    decides exactly."""

    first: date | None = None
    last: date | None = None

    def on_day(self, column):
        """Condition on a date column (the day of an all-day event)."""
        return SQL(" AND ").join(
            [SQL("TRUE")]
            + ([SQL("%s >= %s", column, self.first)] if self.first else [])
            + ([SQL("%s <= %s", column, self.last)] if self.last else [])
        )

    def on_time(self, start, stop=None):
        """Condition on a UTC timestamp column (or on the start and stop of a span)."""
        # the calendar's last day has no next one: nothing lies after it
        upper = self.last and self.last < date.max
        return SQL(" AND ").join(
            [SQL("TRUE")]
            + ([SQL("%s >= %s", stop or start, self.first)] if self.first else [])
            + ([SQL("%s < %s", start, self.last + timedelta(days=1))] if upper else [])
        )


# one day of margin on each side: a day in the reader's time zone and an all-day
# event at 08:00 are both within a day of the UTC timestamps of the domain
_MARGIN = timedelta(days=1)


def window_of_domain(domain, today):
    """The EventWindow of a `domain` of crm.xyz.agenda: the bounds on
    date, date_stop, day and state found among the conditions that all records
    must meet (those under a '|' or a '!' are ignored)."""
    domain = expression.normalize_domain(domain)
    bounds = {"first": [], "last": []}

    def bound(side, day):
        # within the calendar: its first and last days have no margin beyond them
        if side == "first":
            bounds[side].append(day - _MARGIN if day > date.min + _MARGIN else date.min)
        else:
            bounds[side].append(day + _MARGIN if day < date.max - _MARGIN else date.max)

    for field_name, operator, value in _conjunction_leaves(domain):
        if field_name == "state" and operator == "=":
            if value == "overdue":
                bound("last", today)
            elif value == "planned":
                bound("first", today)
            continue
        if field_name not in ("date", "date_stop", "day") or not isinstance(value, str | date):
            continue
        try:
            day = (
                fields.Date.to_date(value)
                if field_name == "day"
                else (fields.Datetime.to_datetime(value).date())
            )
        except (ValueError, OverflowError):
            continue
        if operator in ("<", "<=", "="):
            # date_stop is at or after date: it bounds the start as well
            bound("last", day)
        if operator in (">", ">=", "=") and field_name != "date_stop":
            bound("first", day)
        if operator in (">", ">=") and field_name == "date_stop":
            # an event ends at most a day after its start, except meetings, whose
            # sources filter on their own stop (EventWindow.on_time)
            bound("first", day)
    return EventWindow(
        first=max(bounds["first"], default=None), last=min(bounds["last"], default=None)
    )


def _conjunction_leaves(domain):
    """The leaves of a normalized domain that every record must satisfy."""
    leaves = []

    def walk(position, required):
        token = domain[position]
        if token in ("&", "|"):
            required = required and token == "&"
            return walk(walk(position + 1, required), required)
        if token == "!":
            return walk(position + 1, False)
        if required and isinstance(token, list | tuple) and len(token) == 3:
            leaves.append(tuple(token))
        return position + 1

    if domain:
        walk(0, True)
    return leaves


UNBOUNDED = EventWindow()

# Open activities on customers, their opportunities (and leads) and their orders,
# on their deadline, for the assignee; the follow-ups of the early warning live on
# their episode (crm.xyz.warning, read by its company only) and show as a contact
# with its customer, whose form they open.
_CONTACT_EVENTS = """
    SELECT activity.id::bigint * 10 + 1 AS id,
           'contact' AS event_type,
           activity.date_deadline + TIME '08:00' AS date,
           activity.date_deadline + TIME '08:00' AS date_stop,
           TRUE AS all_day,
           COALESCE(activity.importance, 'normal') AS importance,
           activity.res_name AS source_name,
           activity.summary AS summary,
           activity.activity_type_id AS activity_type_id,
           activity.id AS activity_id,
           COALESCE(partner.commercial_partner_id, lead_partner.commercial_partner_id,
                    order_partner.commercial_partner_id, episode_partner.commercial_partner_id)
               AS partner_id,
           activity.user_id AS user_id,
           COALESCE(sale.company_id, lead.company_id, episode.company_id, partner.company_id,
                    assignee.company_id) AS company_id,
           -- none on a customer (shown blank, not as a zero amount)
           NULLIF(COALESCE(sale.amount_untaxed / NULLIF(sale.currency_rate, 0),
                           lead.expected_revenue), 0)::numeric AS amount,
           CASE WHEN episode.id IS NULL THEN activity.res_model ELSE 'res.partner' END
               AS res_model,
           COALESCE(episode.partner_id, activity.res_id) AS res_id,
           sale.id AS order_id,
           FALSE AS is_private
      FROM mail_activity activity
      JOIN res_users assignee ON assignee.id = activity.user_id
      -- the key is NULL for the other models, so that no index is searched for them
      LEFT JOIN res_partner partner
             ON partner.id = CASE WHEN activity.res_model = 'res.partner' THEN activity.res_id END
            AND partner.active
      LEFT JOIN crm_lead lead
             ON lead.id = CASE WHEN activity.res_model = 'crm.lead' THEN activity.res_id END
            AND lead.active
      LEFT JOIN res_partner lead_partner ON lead_partner.id = lead.partner_id
      LEFT JOIN sale_order sale
             ON sale.id = CASE WHEN activity.res_model = 'sale.order' THEN activity.res_id END
            AND sale.state != 'cancel'
      LEFT JOIN res_partner order_partner ON order_partner.id = sale.partner_id
      LEFT JOIN crm_xyz_warning episode
             ON episode.id = CASE WHEN activity.res_model = 'crm.xyz.warning'
                                  THEN activity.res_id END
      LEFT JOIN res_partner episode_partner
             ON episode_partner.id = episode.partner_id AND episode_partner.active
     WHERE activity.active
       AND activity.res_model IN ('res.partner', 'crm.lead', 'sale.order', 'crm.xyz.warning')
       AND (partner.id IS NOT NULL OR lead.id IS NOT NULL OR sale.id IS NOT NULL
            OR episode_partner.id IS NOT NULL)
       AND %(window)s
"""


def contact_events(window=UNBOUNDED):
    return SQL(_CONTACT_EVENTS, window=window.on_day(SQL("activity.date_deadline")))


# Meetings with at least one customer: an attendee who is not an internal user
# (nor one of our companies), or the customer of the linked opportunity. One
# event per meeting, for its organizer.
_MEETING_EVENTS = """
    SELECT meeting.id::bigint * 10 + 2 AS id,
           'meeting' AS event_type,
           meeting.start AS date,
           meeting.stop AS date_stop,
           COALESCE(meeting.allday, FALSE) AS all_day,
           'normal' AS importance,
           meeting.name AS source_name,
           NULL::varchar AS summary,
           NULL::integer AS activity_type_id,
           NULL::integer AS activity_id,
           COALESCE(opportunity_partner.commercial_partner_id, guest.partner_id) AS partner_id,
           meeting.user_id AS user_id,
           COALESCE(opportunity.company_id, organizer.company_id) AS company_id,
           NULL::numeric AS amount,
           'calendar.event' AS res_model,
           meeting.id AS res_id,
           NULL::integer AS order_id,
           COALESCE(meeting.privacy, settings.calendar_default_privacy, 'public') = 'private'
               AS is_private
      FROM calendar_event meeting
      JOIN res_users organizer ON organizer.id = meeting.user_id
      LEFT JOIN res_users_settings settings ON settings.user_id = meeting.user_id
      LEFT JOIN crm_lead opportunity ON opportunity.id = meeting.opportunity_id
      LEFT JOIN res_partner opportunity_partner ON opportunity_partner.id = opportunity.partner_id
      LEFT JOIN LATERAL (
            SELECT attendee.commercial_partner_id AS partner_id
              FROM calendar_event_res_partner_rel attendance
              JOIN res_partner attendee ON attendee.id = attendance.res_partner_id
             WHERE attendance.calendar_event_id = meeting.id
               AND attendee.commercial_partner_id NOT IN (SELECT partner_id FROM res_company)
               AND NOT EXISTS (SELECT 1
                                 FROM res_users internal_user
                                WHERE internal_user.partner_id = attendee.id
                                  AND NOT internal_user.share)
             ORDER BY attendee.id
             LIMIT 1
      ) guest ON TRUE
     WHERE meeting.active
       AND COALESCE(opportunity_partner.commercial_partner_id, guest.partner_id) IS NOT NULL
       AND %(window)s
"""


def meeting_events(window=UNBOUNDED):
    return SQL(_MEETING_EVENTS, window=window.on_time(SQL("meeting.start"), SQL("meeting.stop")))


# Without Inventory: confirmed orders with goods not fully delivered, on the
# commitment date (the order date when none was promised), with the untaxed
# value still to deliver.
_ORDER_DELIVERY_EVENTS = """
    SELECT sale.id::bigint * 10 + 3 AS id,
           'delivery' AS event_type,
           COALESCE(sale.commitment_date, sale.date_order) AS date,
           COALESCE(sale.commitment_date, sale.date_order) + INTERVAL '1 hour' AS date_stop,
           FALSE AS all_day,
           'normal' AS importance,
           sale.name AS source_name,
           NULL::varchar AS summary,
           NULL::integer AS activity_type_id,
           NULL::integer AS activity_id,
           customer.commercial_partner_id AS partner_id,
           sale.user_id AS user_id,
           sale.company_id AS company_id,
           (pending.amount / NULLIF(sale.currency_rate, 0))::numeric AS amount,
           'sale.order' AS res_model,
           sale.id AS res_id,
           sale.id AS order_id,
           FALSE AS is_private
      FROM sale_order sale
      JOIN res_partner customer ON customer.id = sale.partner_id
      -- per order (not an aggregate of every line of the database), so that the
      -- salesperson and date filters of the reader select the orders first
      JOIN LATERAL (
            SELECT SUM((line.product_uom_qty - line.qty_delivered) * line.price_reduce_taxexcl)
                       AS amount
              FROM sale_order_line line
              JOIN product_product product ON product.id = line.product_id
              JOIN product_template template ON template.id = product.product_tmpl_id
             WHERE line.order_id = sale.id
               AND line.display_type IS NULL
               AND template.type = 'consu'
               AND line.qty_delivered < line.product_uom_qty
            HAVING COUNT(*) > 0
      ) pending ON TRUE
     WHERE sale.state = 'sale'
       AND %(window)s
"""


def order_delivery_events(window=UNBOUNDED):
    return SQL(
        _ORDER_DELIVERY_EVENTS,
        window=window.on_time(SQL("COALESCE(sale.commitment_date, sale.date_order)")),
    )


# Posted customer invoices with an amount still due: one event per open
# receivable line (instalment), on its due date, with its residual in company
# currency; the order is the first one invoiced on the invoice. The salesperson
# is the invoice's, else the customer's.
_PAYMENT_EVENTS = """
    SELECT receivable.id::bigint * 10 + 5 AS id,
           'payment' AS event_type,
           COALESCE(receivable.date_maturity, invoice.invoice_date_due, invoice.date)
               + TIME '08:00' AS date,
           COALESCE(receivable.date_maturity, invoice.invoice_date_due, invoice.date)
               + TIME '08:00' AS date_stop,
           TRUE AS all_day,
           'normal' AS importance,
           invoice.name AS source_name,
           NULL::varchar AS summary,
           NULL::integer AS activity_type_id,
           NULL::integer AS activity_id,
           invoice.commercial_partner_id AS partner_id,
           %(salesperson)s AS user_id,
           invoice.company_id AS company_id,
           receivable.amount_residual::numeric AS amount,
           'account.move' AS res_model,
           invoice.id AS res_id,
           sale_link.order_id AS order_id,
           FALSE AS is_private
      FROM account_move invoice
      JOIN account_move_line receivable ON receivable.move_id = invoice.id
      JOIN account_account account ON account.id = receivable.account_id
      LEFT JOIN res_partner customer ON customer.id = invoice.commercial_partner_id
      LEFT JOIN LATERAL (
            SELECT MIN(order_line.order_id) AS order_id
              FROM account_move_line invoice_line
              JOIN sale_order_line_invoice_rel link ON link.invoice_line_id = invoice_line.id
              JOIN sale_order_line order_line ON order_line.id = link.order_line_id
             WHERE invoice_line.move_id = invoice.id
      ) sale_link ON TRUE
     WHERE %(open_invoice)s
       AND %(salesperson_case)s
       AND account.account_type = 'asset_receivable'
       AND NOT receivable.reconciled
       AND receivable.amount_residual > 0
       AND %(window)s
"""

# Open customer invoices; 'in_payment': the customer paid, the bank has not
# confirmed it yet. Also the predicate of the partial indexes below (without the
# table alias), so that PostgreSQL can use them.
_OPEN_INVOICE = (
    "{alias}state = 'posted' AND {alias}move_type = 'out_invoice'"
    " AND {alias}payment_state IN ('not_paid', 'partial')"
)
OPEN_INVOICE = SQL(_OPEN_INVOICE.format(alias="invoice."))


# Two branches rather than COALESCE(invoice salesperson, customer salesperson):
# the reader's salesperson filter then reaches an index in each of them instead
# of reading every open invoice of the database.
def payment_events(window=UNBOUNDED):
    due = window.on_day(
        SQL("COALESCE(receivable.date_maturity, invoice.invoice_date_due, invoice.date)")
    )
    return SQL(
        "%s\nUNION ALL\n%s",
        SQL(
            _PAYMENT_EVENTS,
            salesperson=SQL("invoice.invoice_user_id"),
            salesperson_case=SQL("invoice.invoice_user_id IS NOT NULL"),
            open_invoice=OPEN_INVOICE,
            window=due,
        ),
        SQL(
            _PAYMENT_EVENTS,
            salesperson=SQL("customer.user_id"),
            salesperson_case=SQL("invoice.invoice_user_id IS NULL"),
            open_invoice=OPEN_INVOICE,
            window=due,
        ),
    )


# (name, table, columns, predicate) of the partial indexes of the sources,
# created by crm.xyz.agenda's init(), so that each source finds the events of a
# salesperson's period without reading all of his: open activities by deadline,
# meetings by end, confirmed orders by delivery date, open customer invoices by
# salesperson (their instalments are few), and those without one by customer,
# whose salesperson is found by the last (Odoo has no index on it: without one,
# each read scanned every partner, a third of the agenda's time at 100,000
# customers).
AGENDA_INDEXES = (
    (
        "crm_xyz_agenda_activity_user_deadline_idx",
        "mail_activity",
        ["user_id", "date_deadline"],
        "active",
    ),
    (
        "crm_xyz_agenda_meeting_user_stop_idx",
        "calendar_event",
        ["user_id", "stop", "start"],
        "active",
    ),
    (
        "crm_xyz_agenda_confirmed_order_user_date_idx",
        "sale_order",
        ["user_id", "(COALESCE(commitment_date, date_order))"],
        "state = 'sale'",
    ),
    (
        "crm_xyz_agenda_open_invoice_user_idx",
        "account_move",
        ["invoice_user_id"],
        _OPEN_INVOICE.format(alias=""),
    ),
    (
        "crm_xyz_agenda_open_invoice_no_user_idx",
        "account_move",
        ["commercial_partner_id"],
        _OPEN_INVOICE.format(alias="") + " AND invoice_user_id IS NULL",
    ),
    (
        "crm_xyz_agenda_partner_salesperson_idx",
        "res_partner",
        ["user_id"],
        "user_id IS NOT NULL",
    ),
)


# What another user sees of a private meeting he does not attend, as calendar.event
# shows it: its time and organizer, titled "Busy", with no customer, subject or
# link (so that no search, group or drill-down reaches them either).
PRIVATE_COLUMNS = (
    "source_name",
    "summary",
    "activity_type_id",
    "activity_id",
    "partner_id",
    "amount",
    "res_model",
    "res_id",
    "order_id",
)


def agenda_query(sources, tz, today, now, uid, partner_id):
    """The whole agenda as user `uid` (partner `partner_id`) reads it: the union
    of `sources` (SQL queries returning EVENT_COLUMNS), with the day of each event
    in time zone `tz`, its state against `today` and `now` (UTC), and the private
    meetings of others emptied of PRIVATE_COLUMNS (is_hidden).

    States: a meeting that has ended is held, one going on since an earlier day
    is today's; the other events are overdue before today, then today's, then
    planned."""
    columns = SQL(", ").join(
        SQL(
            "CASE WHEN event.is_hidden THEN NULL ELSE %s END AS %s"
            if column in PRIVATE_COLUMNS
            else "%s AS %s",
            SQL.identifier("event", column),
            SQL.identifier(column),
        )
        for column in EVENT_COLUMNS
    )
    return SQL(
        """
        SELECT %(columns)s,
               event.is_hidden AS is_hidden,
               event.day AS day,
               CASE WHEN event.event_type = 'meeting' AND event.date_stop < %(now)s THEN 'held'
                    WHEN event.day < %(today)s AND event.event_type != 'meeting' THEN 'overdue'
                    WHEN event.day <= %(today)s THEN 'today'
                    ELSE 'planned' END AS state,
               company.currency_id AS currency_id
          FROM (
                SELECT source.*,
                       CASE WHEN source.all_day THEN source.date::date
                            ELSE (source.date AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date
                       END AS day,
                       -- Odoo's rule (calendar.event._check_private_event_conditions):
                       -- neither the organizer nor an attendee
                       (source.is_private
                        AND source.user_id IS DISTINCT FROM %(uid)s
                        AND attendance.attends IS NULL) AS is_hidden
                  FROM (%(union)s) source
                  -- a lateral join rather than a subquery, which the planner would copy
                  -- into each hidden column; looked up for private meetings only (LIMIT:
                  -- kept apart, not joined to all the reader's meetings for each event)
                  LEFT JOIN LATERAL (
                        SELECT TRUE AS attends
                          FROM calendar_event_res_partner_rel attendance
                         WHERE source.is_private
                           AND attendance.calendar_event_id = source.res_id
                           AND attendance.res_partner_id = %(partner_id)s
                         LIMIT 1
                  ) attendance ON TRUE
          ) event
          JOIN res_company company ON company.id = event.company_id
        """,
        columns=columns,
        today=today,
        now=now,
        tz=tz,
        uid=uid,
        partner_id=partner_id,
        union=SQL("\nUNION ALL\n").join(sources),
    )
