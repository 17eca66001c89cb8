"""What the database keeps ahead for the manager report, kept exact by triggers.

Some indicators read, for every customer or every salesperson of a company,
what the documents or the partners only give by a long scan (a year or two of
orders, every contact); here they read narrow rows instead:

* **sale days** (retention asks whether each customer bought in two windows of
  days, the analysis windows that end at the start and at the end of the
  period): ``crm_xyz_customer_sale_days`` holds the local days
  (``datemultirange``) on which each customer (commercial partner) bought from
  each company, for both sources of the classification:

      source 'order'    confirmed sale orders, on the date of the order in the
                        company's time zone
      source 'invoice'  posted customer invoices (not credit notes), on their
                        invoice date

* **customers** (every indicator counts for the salesperson of a customer;
  completeness asks for an email, a phone, an address, on the customer or one
  of its active contacts): ``crm_xyz_report_customer`` holds one row per
  commercial partner: its company, salesperson, active flag and contact data,
  as ``CONTACT_DATA_*`` bits;

* **daily sales** (completed orders, revenue, profit):
  ``crm_xyz_salesperson_daily_sales`` holds, per company, salesperson and
  local day, the confirmed orders, the completed ones and their untaxed amount
  and margin in company currency, each order converted and rounded as the
  report sums them;

* **daily payments** (payments): ``crm_xyz_salesperson_daily_payments`` holds,
  per company, salesperson and payment date, the sum of the received payments
  (``crm_xyz_received_payment``).

The rows are kept exact by triggers, whoever writes the rows they come from
(the ORM, an import, a merge of partners, another addon's SQL). Each change
recomputes the rows it concerns from their sources, never by adding a
difference, so nothing drifts: a change of an order's or an invoice's state,
date, customer, salesperson, company or amounts recomputes the sale days of
its customer and the daily sales of its salesperson and day; a change of a
contact's commercial partner, the sale days of both customers (the orders of
the contact move along); a change of a partner's contact data, commercial
partner, active flag, salesperson or company, the row of its customer(s); a
change of a company's time zone (every local day moves), currency or its
rounding, all of the company's rows. A recomputation reads one customer's, or
one salesperson's day of, rows and writes with an upsert (or deletes a row left
empty): concurrent changes of one row meet on it, and Odoo retries the later
transaction. The tables are
filled once when they are created (install, upgrade) and dropped at uninstall,
with their triggers and functions.
"""

from odoo.tools import SQL, sql

SALE_DAYS_TABLE = "crm_xyz_customer_sale_days"

# the local day of an order of the company (tz: the company's time zone, COMPANY_TZ)
ORDER_DAY = "(so.date_order AT TIME ZONE 'UTC' AT TIME ZONE {tz})::date"
# the time zone of a company, from its partner ``company_partner`` ('UTC' without one)
COMPANY_TZ = "COALESCE(NULLIF(company_partner.tz, ''), 'UTC')"

# (name, table, columns, predicate): the index a customer's posted invoices are read by
SUMMARY_INDEXES = (
    (
        "crm_xyz_sale_days_invoice_idx",
        "account_move",
        ("company_id", "commercial_partner_id", "invoice_date"),
        "state = 'posted' AND move_type = 'out_invoice'",
    ),
)

CREATE_SALE_DAYS_TABLE = f"""
    CREATE TABLE {SALE_DAYS_TABLE} (
        company_id integer NOT NULL REFERENCES res_company (id) ON DELETE CASCADE,
        source varchar NOT NULL CHECK (source IN ('order', 'invoice')),
        partner_id integer NOT NULL REFERENCES res_partner (id) ON DELETE CASCADE,
        sale_days datemultirange NOT NULL,
        PRIMARY KEY (company_id, source, partner_id)
    )
"""

# the sale days of one customer in one company, recomputed from its documents
REFRESH_FUNCTION = f"""
    CREATE OR REPLACE FUNCTION crm_xyz_refresh_sale_days(
        refresh_source varchar, refresh_company integer, customer integer
    ) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
        days datemultirange;
        company_tz varchar;
    BEGIN
        IF refresh_company IS NULL OR customer IS NULL THEN
            RETURN;
        END IF;
        IF refresh_source = 'order' THEN
            SELECT {COMPANY_TZ} INTO company_tz
              FROM res_company company
              JOIN res_partner company_partner ON company_partner.id = company.partner_id
             WHERE company.id = refresh_company;
            SELECT range_agg(daterange(sale.day, sale.day, '[]')) INTO days
              FROM (SELECT DISTINCT {ORDER_DAY.format(tz="company_tz")} AS day
                      FROM res_partner member
                      JOIN sale_order so ON so.partner_id = member.id
                     WHERE member.commercial_partner_id = customer
                       AND so.company_id = refresh_company
                       AND so.state = 'sale') AS sale;
        ELSE
            SELECT range_agg(daterange(sale.day, sale.day, '[]')) INTO days
              FROM (SELECT DISTINCT am.invoice_date AS day
                      FROM account_move am
                     WHERE am.company_id = refresh_company
                       AND am.commercial_partner_id = customer
                       AND am.state = 'posted'
                       AND am.move_type = 'out_invoice'
                       AND am.invoice_date IS NOT NULL) AS sale;
        END IF;
        IF days IS NULL THEN
            DELETE FROM {SALE_DAYS_TABLE}
             WHERE company_id = refresh_company AND source = refresh_source
               AND partner_id = customer;
        ELSE
            INSERT INTO {SALE_DAYS_TABLE} (company_id, source, partner_id, sale_days)
            VALUES (refresh_company, refresh_source, customer, days)
            ON CONFLICT (company_id, source, partner_id)
            DO UPDATE SET sale_days = EXCLUDED.sale_days;
        END IF;
    END $$
"""

# the sale days of every customer of some companies (NULL: all), for one source
REBUILD_FUNCTION = f"""
    CREATE OR REPLACE FUNCTION crm_xyz_rebuild_sale_days(
        rebuild_source varchar, company_ids integer[]
    ) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM {SALE_DAYS_TABLE}
         WHERE source = rebuild_source
           AND (company_ids IS NULL OR company_id = ANY(company_ids));
        IF rebuild_source = 'order' THEN
            INSERT INTO {SALE_DAYS_TABLE} (company_id, source, partner_id, sale_days)
            SELECT sale.company_id, 'order', sale.partner_id,
                   range_agg(daterange(sale.day, sale.day, '[]'))
              FROM (SELECT DISTINCT so.company_id, member.commercial_partner_id AS partner_id,
                           {ORDER_DAY.format(tz="company_tz.name")} AS day
                      FROM sale_order so
                      JOIN res_partner member ON member.id = so.partner_id
                      JOIN (SELECT company.id AS company_id,
                                   {COMPANY_TZ} AS name
                              FROM res_company company
                              JOIN res_partner company_partner
                                ON company_partner.id = company.partner_id) AS company_tz
                        ON company_tz.company_id = so.company_id
                     WHERE so.state = 'sale'
                       AND member.commercial_partner_id IS NOT NULL
                       AND (company_ids IS NULL OR so.company_id = ANY(company_ids))) AS sale
             GROUP BY sale.company_id, sale.partner_id;
        ELSE
            INSERT INTO {SALE_DAYS_TABLE} (company_id, source, partner_id, sale_days)
            SELECT sale.company_id, 'invoice', sale.partner_id,
                   range_agg(daterange(sale.day, sale.day, '[]'))
              FROM (SELECT DISTINCT am.company_id, am.commercial_partner_id AS partner_id,
                           am.invoice_date AS day
                      FROM account_move am
                     WHERE am.state = 'posted'
                       AND am.move_type = 'out_invoice'
                       AND am.invoice_date IS NOT NULL
                       AND am.commercial_partner_id IS NOT NULL
                       AND (company_ids IS NULL OR am.company_id = ANY(company_ids))) AS sale
             GROUP BY sale.company_id, sale.partner_id;
        END IF;
    END $$
"""

# the trigger functions: which customers a change of a row concerns
ORDER_TRIGGER_FUNCTION = """
    CREATE OR REPLACE FUNCTION crm_xyz_sale_order_sale_days() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        old_customer integer;
        new_customer integer;
    BEGIN
        IF TG_OP <> 'INSERT' AND OLD.state = 'sale' THEN
            SELECT commercial_partner_id INTO old_customer
              FROM res_partner WHERE id = OLD.partner_id;
            PERFORM crm_xyz_refresh_sale_days('order', OLD.company_id, old_customer);
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.state = 'sale' THEN
            SELECT commercial_partner_id INTO new_customer
              FROM res_partner WHERE id = NEW.partner_id;
            IF TG_OP = 'INSERT' OR OLD.state <> 'sale' OR OLD.company_id <> NEW.company_id
               OR old_customer IS DISTINCT FROM new_customer THEN
                PERFORM crm_xyz_refresh_sale_days('order', NEW.company_id, new_customer);
            END IF;
        END IF;
        RETURN NULL;
    END $$
"""

INVOICE_TRIGGER_FUNCTION = """
    CREATE OR REPLACE FUNCTION crm_xyz_account_move_sale_days() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        old_counts boolean := TG_OP <> 'INSERT'
            AND OLD.state = 'posted' AND OLD.move_type = 'out_invoice';
    BEGIN
        IF old_counts THEN
            PERFORM crm_xyz_refresh_sale_days('invoice', OLD.company_id, OLD.commercial_partner_id);
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.state = 'posted' AND NEW.move_type = 'out_invoice'
           AND (NOT old_counts OR OLD.company_id <> NEW.company_id
                OR OLD.commercial_partner_id IS DISTINCT FROM NEW.commercial_partner_id) THEN
            PERFORM crm_xyz_refresh_sale_days('invoice', NEW.company_id, NEW.commercial_partner_id);
        END IF;
        RETURN NULL;
    END $$
"""

# a contact moved to another commercial partner takes its orders along (an invoice
# keeps its own commercial partner, recomputed by the ORM: the invoice trigger)
PARTNER_TRIGGER_FUNCTION = """
    CREATE OR REPLACE FUNCTION crm_xyz_res_partner_sale_days() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        order_company integer;
    BEGIN
        FOR order_company IN
            SELECT DISTINCT company_id FROM sale_order WHERE partner_id = NEW.id AND state = 'sale'
        LOOP
            PERFORM crm_xyz_refresh_sale_days('order', order_company, OLD.commercial_partner_id);
            PERFORM crm_xyz_refresh_sale_days('order', order_company, NEW.commercial_partner_id);
        END LOOP;
        RETURN NULL;
    END $$
"""

# a company's time zone (that of its partner) or its partner changed: its local days
# moved; its currency or the rounding of its currency changed: its amounts did
COMPANY_TRIGGER_FUNCTION = """
    CREATE OR REPLACE FUNCTION crm_xyz_company_report_summaries() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        company_ids integer[];
    BEGIN
        IF TG_TABLE_NAME = 'res_company' THEN
            company_ids := ARRAY[NEW.id];
        ELSIF TG_TABLE_NAME = 'res_currency' THEN
            SELECT ARRAY_AGG(id) INTO company_ids FROM res_company WHERE currency_id = NEW.id;
        ELSE
            SELECT ARRAY_AGG(id) INTO company_ids FROM res_company WHERE partner_id = NEW.id;
        END IF;
        IF company_ids IS NOT NULL THEN
            PERFORM crm_xyz_rebuild_sale_days('order', company_ids);
            PERFORM crm_xyz_rebuild_daily_sales(company_ids);
        END IF;
        RETURN NULL;
    END $$
"""


# ------------------------------------------------------------------ customers
CUSTOMER_TABLE = "crm_xyz_report_customer"

# the contact data of a partner as bits: an email, a phone (or a mobile), an address
CONTACT_DATA_EMAIL, CONTACT_DATA_PHONE, CONTACT_DATA_ADDRESS = 1, 2, 4
CONTACT_DATA_COMPLETE = CONTACT_DATA_EMAIL | CONTACT_DATA_PHONE | CONTACT_DATA_ADDRESS
PARTNER_CONTACT_DATA = f"""(
    CASE WHEN TRIM(member.email) <> '' THEN {CONTACT_DATA_EMAIL} ELSE 0 END
    | CASE WHEN TRIM(member.phone) <> '' OR TRIM(member.mobile) <> ''
           THEN {CONTACT_DATA_PHONE} ELSE 0 END
    | CASE WHEN TRIM(member.street) <> '' AND TRIM(member.city) <> ''
                AND member.country_id IS NOT NULL
           THEN {CONTACT_DATA_ADDRESS} ELSE 0 END)"""

# one row per commercial partner: what the report reads of it, narrow
CREATE_CUSTOMER_TABLE = f"""
    CREATE TABLE {CUSTOMER_TABLE} (
        partner_id integer PRIMARY KEY REFERENCES res_partner (id) ON DELETE CASCADE,
        company_id integer,
        user_id integer,
        active boolean NOT NULL,
        contact_data smallint NOT NULL
    )
"""

# the row of one partner: none unless it is a commercial partner; its contact data
# is its own and its active contacts'
REFRESH_CUSTOMER_FUNCTION = f"""
    CREATE OR REPLACE FUNCTION crm_xyz_refresh_report_customer(customer integer)
    RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
        data integer;
    BEGIN
        IF customer IS NULL THEN
            RETURN;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM res_partner
                        WHERE id = customer AND commercial_partner_id = customer) THEN
            DELETE FROM {CUSTOMER_TABLE} WHERE partner_id = customer;
            RETURN;
        END IF;
        SELECT COALESCE(BIT_OR({PARTNER_CONTACT_DATA}), 0) INTO data
          FROM res_partner member
         WHERE member.commercial_partner_id = customer AND member.active;
        INSERT INTO {CUSTOMER_TABLE} (partner_id, company_id, user_id, active, contact_data)
        SELECT partner.id, partner.company_id, partner.user_id, partner.active, data
          FROM res_partner partner
         WHERE partner.id = customer
        ON CONFLICT (partner_id) DO UPDATE
           SET company_id = EXCLUDED.company_id, user_id = EXCLUDED.user_id,
               active = EXCLUDED.active, contact_data = EXCLUDED.contact_data;
    END $$
"""

REBUILD_CUSTOMERS = f"""
    INSERT INTO {CUSTOMER_TABLE} (partner_id, company_id, user_id, active, contact_data)
    SELECT customer.id, customer.company_id, customer.user_id, customer.active,
           COALESCE(members.data, 0)
      FROM res_partner customer
      LEFT JOIN (SELECT member.commercial_partner_id AS customer_id,
                        BIT_OR({PARTNER_CONTACT_DATA}) AS data
                   FROM res_partner member
                  WHERE member.active
                  GROUP BY member.commercial_partner_id) AS members
        ON members.customer_id = customer.id
     WHERE customer.id = customer.commercial_partner_id
"""

# the columns of a partner its customer's contact data depends on, and all it reads
CONTACT_DATA_COLUMNS = (
    "email, phone, mobile, street, city, country_id, commercial_partner_id, active"
)
CUSTOMER_COLUMNS = f"{CONTACT_DATA_COLUMNS}, user_id, company_id"
CUSTOMER_TRIGGER_FUNCTION = f"""
    CREATE OR REPLACE FUNCTION crm_xyz_res_partner_report_customer() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE'
           AND (OLD.{CONTACT_DATA_COLUMNS.replace(", ", ", OLD.")})
               IS NOT DISTINCT FROM (NEW.{CONTACT_DATA_COLUMNS.replace(", ", ", NEW.")}) THEN
            -- only its salesperson or company: no need to read its contacts (a customer
            -- reassigned with thousands of others stays one indexed write)
            UPDATE {CUSTOMER_TABLE} SET company_id = NEW.company_id, user_id = NEW.user_id
             WHERE partner_id = NEW.id;
            RETURN NULL;
        END IF;
        IF TG_OP <> 'INSERT' THEN
            PERFORM crm_xyz_refresh_report_customer(OLD.commercial_partner_id);
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE'
                AND OLD.commercial_partner_id IS DISTINCT FROM NEW.commercial_partner_id) THEN
            PERFORM crm_xyz_refresh_report_customer(NEW.commercial_partner_id);
        END IF;
        RETURN NULL;
    END $$
"""


# ------------------------------------------------------------------ daily sales
DAILY_SALES_TABLE = "crm_xyz_salesperson_daily_sales"

# one row per company, salesperson and local day with confirmed orders: their
# number, the completed ones, their untaxed amount and margin in company currency
# (each order converted at its own rate and rounded to the currency, as the
# report sums them)
CREATE_DAILY_SALES_TABLE = f"""
    CREATE TABLE {DAILY_SALES_TABLE} (
        company_id integer NOT NULL REFERENCES res_company (id) ON DELETE CASCADE,
        user_id integer NOT NULL REFERENCES res_users (id) ON DELETE CASCADE,
        day date NOT NULL,
        order_count integer NOT NULL,
        completed_count integer NOT NULL,
        revenue numeric,
        profit numeric,
        PRIMARY KEY (company_id, day, user_id)
    )
"""

# the decimal places of the currency ``currency`` (res.currency.decimal_places)
CURRENCY_DIGITS = """CASE WHEN currency.rounding > 0 AND currency.rounding < 1
                          THEN CEIL(-LOG(currency.rounding::numeric))::integer ELSE 0 END"""
DAILY_SALES_SUMS = """COUNT(*),
           COUNT(*) FILTER (WHERE so.xyz_completed),
           SUM(ROUND(so.amount_untaxed / NULLIF(so.currency_rate, 0), {digits})),
           SUM(ROUND(COALESCE(so.margin, 0) / NULLIF(so.currency_rate, 0), {digits}))"""

# the row of one salesperson and local day of a company, recomputed from its orders
REFRESH_DAILY_SALES_FUNCTION = f"""
    CREATE OR REPLACE FUNCTION crm_xyz_refresh_daily_sales(
        refresh_company integer, salesperson integer, order_date timestamp
    ) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
        company_tz varchar;
        digits integer;
        sale_day date;
        day_start timestamp;
        day_end timestamp;
    BEGIN
        IF refresh_company IS NULL OR salesperson IS NULL OR order_date IS NULL THEN
            RETURN;
        END IF;
        SELECT {COMPANY_TZ} INTO company_tz
          FROM res_company company
          JOIN res_partner company_partner ON company_partner.id = company.partner_id
         WHERE company.id = refresh_company;
        SELECT {CURRENCY_DIGITS} INTO digits
          FROM res_company company
          JOIN res_currency currency ON currency.id = company.currency_id
         WHERE company.id = refresh_company;
        sale_day := (order_date AT TIME ZONE 'UTC' AT TIME ZONE company_tz)::date;
        day_start := (sale_day::timestamp AT TIME ZONE company_tz) AT TIME ZONE 'UTC';
        day_end := ((sale_day + 1)::timestamp AT TIME ZONE company_tz) AT TIME ZONE 'UTC';
        -- an upsert: concurrent orders of one salesperson and day meet on its row (a
        -- day left without orders keeps a row of zeros)
        INSERT INTO {DAILY_SALES_TABLE}
               (company_id, user_id, day, order_count, completed_count, revenue, profit)
        SELECT refresh_company, salesperson, sale_day,
               {DAILY_SALES_SUMS.format(digits="digits")}
          FROM sale_order so
         WHERE so.company_id = refresh_company
           AND so.state = 'sale'
           AND so.date_order >= day_start AND so.date_order < day_end
           AND so.user_id = salesperson
        ON CONFLICT (company_id, day, user_id) DO UPDATE
           SET order_count = EXCLUDED.order_count,
               completed_count = EXCLUDED.completed_count,
               revenue = EXCLUDED.revenue, profit = EXCLUDED.profit;
    END $$
"""

# every row of some companies (NULL: all)
REBUILD_DAILY_SALES_FUNCTION = f"""
    CREATE OR REPLACE FUNCTION crm_xyz_rebuild_daily_sales(company_ids integer[])
    RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM {DAILY_SALES_TABLE}
         WHERE company_ids IS NULL OR company_id = ANY(company_ids);
        INSERT INTO {DAILY_SALES_TABLE}
               (company_id, user_id, day, order_count, completed_count, revenue, profit)
        SELECT so.company_id, so.user_id,
               {ORDER_DAY.format(tz="company_tz.name")},
               {DAILY_SALES_SUMS.format(digits="company_tz.digits")}
          FROM sale_order so
          JOIN (SELECT company.id AS company_id,
                       {COMPANY_TZ} AS name,
                       {CURRENCY_DIGITS} AS digits
                  FROM res_company company
                  JOIN res_currency currency ON currency.id = company.currency_id
                  JOIN res_partner company_partner
                    ON company_partner.id = company.partner_id
                -- computed once per company, not once per order (a fence: not pulled up)
                OFFSET 0) AS company_tz
            ON company_tz.company_id = so.company_id
         WHERE so.state = 'sale'
           AND so.user_id IS NOT NULL
           AND (company_ids IS NULL OR so.company_id = ANY(company_ids))
         GROUP BY 1, 2, 3;
    END $$
"""

DAILY_SALES_TRIGGER_FUNCTION = """
    CREATE OR REPLACE FUNCTION crm_xyz_sale_order_daily_sales() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND OLD.state = 'sale' THEN
            PERFORM crm_xyz_refresh_daily_sales(OLD.company_id, OLD.user_id, OLD.date_order);
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.state = 'sale'
           AND (TG_OP = 'INSERT' OR OLD.state <> 'sale'
                OR (OLD.company_id, OLD.user_id, OLD.date_order)
                   IS DISTINCT FROM (NEW.company_id, NEW.user_id, NEW.date_order)) THEN
            PERFORM crm_xyz_refresh_daily_sales(NEW.company_id, NEW.user_id, NEW.date_order);
        END IF;
        RETURN NULL;
    END $$
"""
DAILY_SALES_COLUMNS = (
    "state, date_order, user_id, company_id, amount_untaxed, margin, currency_rate, xyz_completed"
)

# ------------------------------------------------------------------ daily payments
DAILY_PAYMENTS_TABLE = "crm_xyz_salesperson_daily_payments"

# one row per company, salesperson and payment date: the money received on his
# invoices less the money paid back on his credit notes, from the received payments
# (crm_xyz_received_payment, one row per reconciliation)
CREATE_DAILY_PAYMENTS_TABLE = f"""
    CREATE TABLE {DAILY_PAYMENTS_TABLE} (
        company_id integer NOT NULL REFERENCES res_company (id) ON DELETE CASCADE,
        user_id integer NOT NULL REFERENCES res_users (id) ON DELETE CASCADE,
        day date NOT NULL,
        amount numeric NOT NULL,
        PRIMARY KEY (company_id, day, user_id)
    )
"""

# the days of the received payments a statement wrote or deleted (its transition
# tables), recomputed in one pass
DAILY_PAYMENTS_TRIGGER_FUNCTION = f"""
    CREATE OR REPLACE FUNCTION crm_xyz_received_payment_daily() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        companies integer[] := '{{}}';
        users integer[] := '{{}}';
        days date[] := '{{}}';
    BEGIN
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            SELECT companies || ARRAY_AGG(company_id), users || ARRAY_AGG(user_id),
                   days || ARRAY_AGG(date)
              INTO companies, users, days
              FROM new_payments WHERE user_id IS NOT NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            SELECT companies || ARRAY_AGG(company_id), users || ARRAY_AGG(user_id),
                   days || ARRAY_AGG(date)
              INTO companies, users, days
              FROM old_payments WHERE user_id IS NOT NULL;
        END IF;
        -- an upsert: concurrent payments of one salesperson and day meet on its row
        -- (a day left without payments keeps a row of 0)
        INSERT INTO {DAILY_PAYMENTS_TABLE} (company_id, user_id, day, amount)
        SELECT changed.company_id, changed.user_id, changed.day,
               COALESCE(SUM(payment.amount), 0)
          FROM (SELECT DISTINCT * FROM UNNEST(companies, users, days)
                    AS changed(company_id, user_id, day)) AS changed
          LEFT JOIN crm_xyz_received_payment payment
            ON payment.company_id = changed.company_id AND payment.user_id = changed.user_id
           AND payment.date = changed.day
         GROUP BY changed.company_id, changed.user_id, changed.day
        ON CONFLICT (company_id, day, user_id) DO UPDATE SET amount = EXCLUDED.amount;
        RETURN NULL;
    END $$
"""

REBUILD_DAILY_PAYMENTS = f"""
    INSERT INTO {DAILY_PAYMENTS_TABLE} (company_id, user_id, day, amount)
    SELECT payment.company_id, payment.user_id, payment.date, SUM(payment.amount)
      FROM crm_xyz_received_payment payment
     WHERE payment.user_id IS NOT NULL AND payment.amount IS NOT NULL
     GROUP BY payment.company_id, payment.user_id, payment.date
"""

# ------------------------------------------------------------------ triggers
TABLES = {
    SALE_DAYS_TABLE: CREATE_SALE_DAYS_TABLE,
    CUSTOMER_TABLE: CREATE_CUSTOMER_TABLE,
    DAILY_SALES_TABLE: CREATE_DAILY_SALES_TABLE,
    DAILY_PAYMENTS_TABLE: CREATE_DAILY_PAYMENTS_TABLE,
}
# (trigger, table, event, transition tables, function): statement triggers
STATEMENT_TRIGGERS = (
    (
        "crm_xyz_daily_payments_insert",
        "crm_xyz_received_payment",
        "INSERT",
        "NEW TABLE AS new_payments",
        "crm_xyz_received_payment_daily",
    ),
    (
        "crm_xyz_daily_payments_update",
        "crm_xyz_received_payment",
        "UPDATE",
        "OLD TABLE AS old_payments NEW TABLE AS new_payments",
        "crm_xyz_received_payment_daily",
    ),
    (
        "crm_xyz_daily_payments_delete",
        "crm_xyz_received_payment",
        "DELETE",
        "OLD TABLE AS old_payments",
        "crm_xyz_received_payment_daily",
    ),
)

# (trigger, table, event, condition, function)
TRIGGERS = (
    (
        "crm_xyz_sale_days_order_insert",
        "sale_order",
        "INSERT",
        "NEW.state = 'sale'",
        "crm_xyz_sale_order_sale_days",
    ),
    (
        "crm_xyz_sale_days_order_update",
        "sale_order",
        "UPDATE OF state, date_order, partner_id, company_id",
        """(OLD.state = 'sale' OR NEW.state = 'sale')
           AND (OLD.state, OLD.date_order, OLD.partner_id, OLD.company_id)
               IS DISTINCT FROM (NEW.state, NEW.date_order, NEW.partner_id, NEW.company_id)""",
        "crm_xyz_sale_order_sale_days",
    ),
    (
        "crm_xyz_sale_days_order_delete",
        "sale_order",
        "DELETE",
        "OLD.state = 'sale'",
        "crm_xyz_sale_order_sale_days",
    ),
    (
        "crm_xyz_sale_days_invoice_insert",
        "account_move",
        "INSERT",
        "NEW.state = 'posted' AND NEW.move_type = 'out_invoice'",
        "crm_xyz_account_move_sale_days",
    ),
    (
        "crm_xyz_sale_days_invoice_update",
        "account_move",
        "UPDATE OF state, move_type, invoice_date, commercial_partner_id, company_id",
        """((OLD.state = 'posted' AND OLD.move_type = 'out_invoice')
            OR (NEW.state = 'posted' AND NEW.move_type = 'out_invoice'))
           AND (OLD.state, OLD.move_type, OLD.invoice_date, OLD.commercial_partner_id,
                OLD.company_id)
               IS DISTINCT FROM (NEW.state, NEW.move_type, NEW.invoice_date,
                                 NEW.commercial_partner_id, NEW.company_id)""",
        "crm_xyz_account_move_sale_days",
    ),
    (
        "crm_xyz_sale_days_invoice_delete",
        "account_move",
        "DELETE",
        "OLD.state = 'posted' AND OLD.move_type = 'out_invoice'",
        "crm_xyz_account_move_sale_days",
    ),
    (
        "crm_xyz_sale_days_partner_update",
        "res_partner",
        "UPDATE OF commercial_partner_id",
        "OLD.commercial_partner_id IS DISTINCT FROM NEW.commercial_partner_id",
        "crm_xyz_res_partner_sale_days",
    ),
    (
        "crm_xyz_report_summaries_company_tz_update",
        "res_partner",
        "UPDATE OF tz",
        "OLD.tz IS DISTINCT FROM NEW.tz",
        "crm_xyz_company_report_summaries",
    ),
    (
        "crm_xyz_report_summaries_company_update",
        "res_company",
        "UPDATE OF partner_id, currency_id",
        "(OLD.partner_id, OLD.currency_id) IS DISTINCT FROM (NEW.partner_id, NEW.currency_id)",
        "crm_xyz_company_report_summaries",
    ),
    (
        "crm_xyz_daily_sales_currency_update",
        "res_currency",
        "UPDATE OF rounding",
        "OLD.rounding IS DISTINCT FROM NEW.rounding",
        "crm_xyz_company_report_summaries",
    ),
    (
        "crm_xyz_daily_sales_order_insert",
        "sale_order",
        "INSERT",
        "NEW.state = 'sale'",
        "crm_xyz_sale_order_daily_sales",
    ),
    (
        "crm_xyz_daily_sales_order_update",
        "sale_order",
        f"UPDATE OF {DAILY_SALES_COLUMNS}",
        f"""(OLD.state = 'sale' OR NEW.state = 'sale')
           AND (OLD.{DAILY_SALES_COLUMNS.replace(", ", ", OLD.")})
               IS DISTINCT FROM (NEW.{DAILY_SALES_COLUMNS.replace(", ", ", NEW.")})""",
        "crm_xyz_sale_order_daily_sales",
    ),
    (
        "crm_xyz_daily_sales_order_delete",
        "sale_order",
        "DELETE",
        "OLD.state = 'sale'",
        "crm_xyz_sale_order_daily_sales",
    ),
    (
        "crm_xyz_report_customer_insert",
        "res_partner",
        "INSERT",
        "NEW.commercial_partner_id IS NOT NULL",
        "crm_xyz_res_partner_report_customer",
    ),
    (
        "crm_xyz_report_customer_update",
        "res_partner",
        f"UPDATE OF {CUSTOMER_COLUMNS}",
        f"(OLD.{CUSTOMER_COLUMNS.replace(', ', ', OLD.')}) "
        f"IS DISTINCT FROM (NEW.{CUSTOMER_COLUMNS.replace(', ', ', NEW.')})",
        "crm_xyz_res_partner_report_customer",
    ),
    (
        "crm_xyz_report_customer_delete",
        "res_partner",
        "DELETE",
        "OLD.commercial_partner_id IS NOT NULL",
        "crm_xyz_res_partner_report_customer",
    ),
)
FUNCTIONS = (
    ("crm_xyz_received_payment_daily", DAILY_PAYMENTS_TRIGGER_FUNCTION),
    ("crm_xyz_sale_order_daily_sales", DAILY_SALES_TRIGGER_FUNCTION),
    ("crm_xyz_refresh_daily_sales", REFRESH_DAILY_SALES_FUNCTION),
    ("crm_xyz_rebuild_daily_sales", REBUILD_DAILY_SALES_FUNCTION),
    ("crm_xyz_res_partner_report_customer", CUSTOMER_TRIGGER_FUNCTION),
    ("crm_xyz_refresh_report_customer", REFRESH_CUSTOMER_FUNCTION),
    ("crm_xyz_sale_order_sale_days", ORDER_TRIGGER_FUNCTION),
    ("crm_xyz_account_move_sale_days", INVOICE_TRIGGER_FUNCTION),
    ("crm_xyz_res_partner_sale_days", PARTNER_TRIGGER_FUNCTION),
    ("crm_xyz_company_report_summaries", COMPANY_TRIGGER_FUNCTION),
    ("crm_xyz_refresh_sale_days", REFRESH_FUNCTION),
    ("crm_xyz_rebuild_sale_days", REBUILD_FUNCTION),
)


def install_report_summaries(cr):
    """Create the tables, their functions and triggers (install, every upgrade: the
    functions are replaced by the current ones); fill the tables that are new."""
    created = [name for name in TABLES if not sql.table_exists(cr, name)]
    for name in created:
        cr.execute(SQL(TABLES[name]))
    for name, table, columns, predicate in SUMMARY_INDEXES:
        cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS %s ON %s (%s) WHERE %s",
                SQL.identifier(name),
                SQL.identifier(table),
                SQL(", ").join(SQL.identifier(column) for column in columns),
                SQL(predicate),
            )
        )
    for _name, definition in reversed(FUNCTIONS):
        cr.execute(SQL(definition))
    for name, table, event, condition, function in TRIGGERS:
        cr.execute(
            SQL("DROP TRIGGER IF EXISTS %s ON %s", SQL.identifier(name), SQL.identifier(table))
        )
        cr.execute(
            SQL(
                "CREATE TRIGGER %s AFTER %s ON %s FOR EACH ROW WHEN (%s) EXECUTE FUNCTION %s()",
                SQL.identifier(name),
                SQL(event),
                SQL.identifier(table),
                SQL(condition),
                SQL.identifier(function),
            )
        )
    for name, table, event, transition, function in STATEMENT_TRIGGERS:
        cr.execute(
            SQL("DROP TRIGGER IF EXISTS %s ON %s", SQL.identifier(name), SQL.identifier(table))
        )
        cr.execute(
            SQL(
                "CREATE TRIGGER %s AFTER %s ON %s REFERENCING %s FOR EACH STATEMENT "
                "EXECUTE FUNCTION %s()",
                SQL.identifier(name),
                SQL(event),
                SQL.identifier(table),
                SQL(transition),
                SQL.identifier(function),
            )
        )
    if SALE_DAYS_TABLE in created:
        rebuild_sale_days(cr)
    if CUSTOMER_TABLE in created:
        rebuild_customers(cr)
    if DAILY_SALES_TABLE in created:
        rebuild_daily_sales(cr)
    if DAILY_PAYMENTS_TABLE in created:
        rebuild_daily_payments(cr)


def rebuild_sale_days(cr, company_ids=None):
    """Recompute the sale days of every customer of ``company_ids`` (None: all
    companies), for both sources: after documents were written with the
    triggers off (a bulk load in replica mode)."""
    for source in ("order", "invoice"):
        cr.execute(
            SQL(
                "SELECT crm_xyz_rebuild_sale_days(%s, %s::integer[])",
                source,
                None if company_ids is None else list(company_ids),
            )
        )
    cr.execute(SQL("ANALYZE %s", SQL.identifier(SALE_DAYS_TABLE)))


def rebuild_daily_sales(cr, company_ids=None):
    """Recompute the daily sales of every salesperson of ``company_ids`` (None: all
    companies): after orders were written with the triggers off (a bulk load in
    replica mode, or a flag set by SQL)."""
    cr.execute(
        SQL(
            "SELECT crm_xyz_rebuild_daily_sales(%s::integer[])",
            None if company_ids is None else list(company_ids),
        )
    )
    cr.execute(SQL("ANALYZE %s", SQL.identifier(DAILY_SALES_TABLE)))


def rebuild_daily_payments(cr):
    """Recompute the daily payments of every salesperson from the received payments."""
    cr.execute(SQL("DELETE FROM %s", SQL.identifier(DAILY_PAYMENTS_TABLE)))
    cr.execute(SQL(REBUILD_DAILY_PAYMENTS))
    cr.execute(SQL("ANALYZE %s", SQL.identifier(DAILY_PAYMENTS_TABLE)))


def rebuild_customers(cr):
    """Recompute the row of every customer: after partners were written with the
    triggers off (a bulk load in replica mode)."""
    cr.execute(SQL("DELETE FROM %s", SQL.identifier(CUSTOMER_TABLE)))
    cr.execute(SQL(REBUILD_CUSTOMERS))
    cr.execute(SQL("ANALYZE %s", SQL.identifier(CUSTOMER_TABLE)))


def uninstall_report_summaries(cr):
    """Drop the triggers, the functions, the tables and the index (uninstall)."""
    for name, table, *_definition in TRIGGERS + STATEMENT_TRIGGERS:
        cr.execute(
            SQL("DROP TRIGGER IF EXISTS %s ON %s", SQL.identifier(name), SQL.identifier(table))
        )
    for name, _definition in FUNCTIONS:
        cr.execute(SQL("DROP FUNCTION IF EXISTS %s CASCADE", SQL.identifier(name)))
    for name in TABLES:
        cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(name)))
    for name, *_index in SUMMARY_INDEXES:
        cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(name)))


def customer_windows(params):
    """Rows (partner_id, in_first, in_second): each customer of the company that bought
    in one of two windows of local days, and in which, as
    ``classification_query.company_customer_windows`` reads them from the
    documents: the windows are ``(start_window_floor, start_as_of]`` and
    ``(end_window_floor, date_to]``, the purchases those of ``params["source"]``."""
    return SQL(
        """
        SELECT customer.partner_id, customer.in_first, customer.in_second
          FROM (SELECT days.partner_id,
                       days.sale_days && daterange(%(first_floor)s, %(first_last)s, '(]')
                           AS in_first,
                       days.sale_days && daterange(%(second_floor)s, %(as_of)s, '(]')
                           AS in_second
                  FROM %(table)s days
                 WHERE days.company_id = %(company_id)s
                   AND days.source = %(source)s
                   AND days.partner_id NOT IN (SELECT partner_id FROM res_company)) AS customer
         WHERE customer.in_first OR customer.in_second
    """,
        table=SQL.identifier(SALE_DAYS_TABLE),
        company_id=params["company_id"],
        source=params["source"],
        first_floor=params["start_window_floor"],
        first_last=params["start_as_of"],
        second_floor=params["end_window_floor"],
        as_of=params["date_to"],
    )
