"""The SQL of the purchase model (BG/NBD, see ``purchase_model``).

A customer's P(alive) and expected purchases change every day, for every
customer, even without a sale: stored, the nightly analysis would rewrite every
customer for them. They are computed when read instead, from what the analysis
stores per customer (its number of sale days, its first and last sale day) and
the parameters of the company's last run, by the same closed forms as
``purchase_model``: P(alive) as an expression, the expected purchases as P(alive)
times the purchases of a customer still active, which the function
``crm_xyz_bgnbd_purchases_while_alive`` sums (its hypergeometric series needs a
loop; it depends on x and T only, so that a list of many customers may call it
once per distinct pair). Both can be searched, sorted, grouped and summed.

The model is fitted on the figures that the analysis statement returns
(``model_figures`` of its own computation: nothing is read twice); with the
model as the method, a second, narrow statement then flags the customers at
risk (``classification_query.flag_at_risk_statement``).
"""

from odoo.tools import SQL

WHILE_ALIVE_FUNCTION = "crm_xyz_bgnbd_purchases_while_alive"

# the numerator of equation 10 of the paper: the purchases in the next `horizon` weeks of a
# customer still active; the series and its two forms as purchase_model._expected_while_alive
CREATE_WHILE_ALIVE_FUNCTION = f"""
    CREATE OR REPLACE FUNCTION {WHILE_ALIVE_FUNCTION}(
        horizon float8, x float8, age float8, r float8, alpha float8, a float8, b float8
    ) RETURNS float8 LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
    DECLARE
        w float8 := horizon / (alpha + age);
        z float8 := horizon / (alpha + age + horizon);
        -- ln(1 - z) = -ln(1 + w), exact for a short horizon too
        rest float8 := CASE WHEN w < 1e-4 THEN -(w - w * w / 2 + w * w * w / 3 - w ^ 4 / 4)
                            ELSE -ln(1 + w) END;
        c float8 := a + b + x - 1;
        s float8 := r + x;
        big_a float8 := a + b - 1 - r;
        term float8;
        previous float8;
        total float8;
        scale float8 := 0;
        exponent float8;
        scaled float8;
        while_alive float8;
    BEGIN
        IF a < s + 2 THEN
            -- Euler's form: F = 1 + (a - 1) H / c, H = sum of the terms
            term := big_a * z;
            total := term;
            IF term <> 0 THEN
                -- two terms a step: the loop's statements cost more than its arithmetic
                FOR k IN 1..1000000 BY 2 LOOP
                    previous := term * (big_a + k) * (a + k - 1) * z / ((c + k) * (k + 1));
                    term := previous * (big_a + k + 1) * (a + k) * z / ((c + k + 1) * (k + 2));
                    total := total + previous + term;
                    IF abs(total) > 1e250 THEN
                        total := total * 1e-250;
                        term := term * 1e-250;
                        scale := scale + 250;
                    END IF;
                    EXIT WHEN abs(term) <= 1e-14 * abs(total) OR abs(term) < 1e-290;
                END LOOP;
            END IF;
            exponent := (a - 1) * rest;
            scaled := CASE WHEN total = 0 THEN 0
                           ELSE sign(total) * exp(LEAST(GREATEST(
                                    exponent + scale * ln(10) + ln(abs(total)), -700), 700))
                      END;
            while_alive := -c * rest
                           * CASE WHEN abs(exponent) < 1e-5
                                  THEN 1 + exponent / 2 + exponent * exponent / 6
                                  ELSE (exp(GREATEST(exponent, -700)) - 1) / exponent END
                           - scaled;
        ELSE
            -- the paper's form: 2F1(r + x, b + x; c; z) = 1 + the sum of the terms
            term := s * (b + x) * z / c;
            total := term;
            IF term <> 0 THEN
                FOR k IN 1..1000000 BY 2 LOOP
                    previous := term * (s + k) * (b + x + k) * z / ((c + k) * (k + 1));
                    term := previous * (s + k + 1) * (b + x + k + 1) * z / ((c + k + 1) * (k + 2));
                    total := total + previous + term;
                    IF abs(total) > 1e250 THEN
                        total := total * 1e-250;
                        term := term * 1e-250;
                        scale := scale + 250;
                    END IF;
                    EXIT WHEN abs(term) <= 1e-14 * abs(total) OR abs(term) < 1e-290;
                END LOOP;
            END IF;
            exponent := s * rest;
            scaled := CASE WHEN total = 0 THEN 0
                           ELSE sign(total) * exp(LEAST(GREATEST(
                                    exponent + scale * ln(10) + ln(abs(total)), -700), 700))
                      END;
            while_alive := c / (a - 1)
                           * (-CASE WHEN abs(exponent) < 1e-5
                                    THEN exponent + exponent * exponent / 2
                                         + exponent * exponent * exponent / 6
                                    ELSE exp(GREATEST(exponent, -700)) - 1 END
                              - scaled);
        END IF;
        RETURN while_alive;
    END $$
"""
# CASCADE: the customer portfolio (an SQL view) calls it
DROP_WHILE_ALIVE_FUNCTION = f"DROP FUNCTION IF EXISTS {WHILE_ALIVE_FUNCTION} CASCADE"

# The figures of a customer, in weeks, from its number of sale days, its first and last
# sale day and the analysis date (slots, all SQL): x = sale days - 1, t_x and T.
_FREQUENCY = "(%(sale_days)s - 1)::float8"
_RECENCY = "(%(last_sale)s - %(first_sale)s) / 7.0::float8"
_AGE = "(%(as_of)s - %(first_sale)s) / 7.0::float8"

# equation 13; 1 for a customer with one sale day, empty without a model or a sale
P_ALIVE = f"""
    CASE WHEN %(r)s IS NULL OR %(sale_days)s IS NULL THEN NULL
         WHEN %(sale_days)s <= 1 THEN 1.0::float8
         ELSE 1 / (1 + exp(LEAST(GREATEST(
                  ln(%(a)s / (%(b)s + {_FREQUENCY} - 1))
                  + (%(r)s + {_FREQUENCY})
                    * ln((%(alpha)s + {_AGE}) / (%(alpha)s + {_RECENCY})),
                  -700), 700)))
    END
"""
# the purchases of a customer still active over the next `horizon` days (x and T only)
WHILE_ALIVE = f"""
    {WHILE_ALIVE_FUNCTION}(%(horizon)s / 7.0::float8, {_FREQUENCY}, {_AGE},
                           %(r)s, %(alpha)s, %(a)s, %(b)s)
"""
# equation 10 over the next `horizon` days: P(alive) times those; empty without a model
# or a sale
EXPECTED_PURCHASES = f"({WHILE_ALIVE}) * ({P_ALIVE})"


def statement_expression(template, **slots):
    """The expression as plain SQL text for the statements of ``classification_query``,
    whose slots are column names or their own ``%(name)s`` parameters."""
    return template % {name: f"({value})" for name, value in slots.items()}


def model_sql(template, **slots):
    """The expression as an SQL object; the slots are SQL objects (float8 for the
    parameters)."""
    return SQL(
        template, **{name: value for name, value in slots.items() if f"%({name})s" in template}
    )


def model_figures(source, condition="TRUE"):
    """The figures the model is fitted on, from `source` (the analysis' ``computed``, or
    the stored rows as ``STORED_FIGURES`` gives them): one row per distinct
    (frequency = x, recency = t_x in days, age = T in days) of the customers with a
    sale up to %(as_of)s that meet `condition`, with their number (customers)."""
    return f"""
        SELECT sale_days - 1 AS frequency,
               last_sale_date - first_sale_date AS recency,
               %(as_of)s::date - first_sale_date AS age,
               COUNT(*) AS customers
          FROM {source}
         WHERE first_sale_date IS NOT NULL AND ({condition})
         GROUP BY 1, 2, 3
    """


# the stored figures of the customers a run classified, as model_figures reads them
STORED_FIGURES = """
    (SELECT c.classification_sale_days AS sale_days,
            c.classification_first_sale_date AS first_sale_date,
            c.classification_last_sale_date AS last_sale_date,
            c.relationship_stage_auto AS stage
       FROM crm_xyz_classification c
       JOIN res_partner customer ON customer.id = c.partner_id
      WHERE c.company_id = %(company_id)s
        AND c.relationship_stage_auto IS NOT NULL
        AND customer.active
        AND (customer.company_id IS NULL OR customer.company_id = %(company_id)s)) AS stored
"""


def fill_figures(sale_days_table):
    """The statement that fills the figures the purchase model reads, for the rows an
    analysis wrote before they were stored (upgrade): as of the company's last run and
    from its sales source, as the next analysis finds them, so that it does not rewrite
    every customer for them. `sale_days_table` holds each customer's sale days (company,
    source, partner, datemultirange): the former release's table, whose structure the
    report's summary of sale days keeps."""
    return SQL(
        """
        UPDATE crm_xyz_classification classified
           SET classification_first_sale_date = lower(figures.sale_days),
               classification_sale_days =
                   (SELECT SUM(upper(run) - lower(run)) FROM unnest(figures.sale_days) run)
          FROM (SELECT customer_days.company_id, customer_days.partner_id,
                       customer_days.sale_days
                       * datemultirange(daterange(NULL, last_run.date, '(]')) AS sale_days
                  FROM %(table)s customer_days
                  JOIN res_company company ON company.id = customer_days.company_id
                  JOIN crm_xyz_run last_run
                    ON last_run.id = company.xyz_last_run_id
                   AND last_run.xyz_source = customer_days.source) AS figures
         WHERE classified.company_id = figures.company_id
           AND classified.partner_id = figures.partner_id
           AND classified.relationship_stage_auto IS NOT NULL
           AND classified.classification_sale_days IS NULL
           AND NOT isempty(figures.sale_days)
        """,
        table=SQL.identifier(sale_days_table),
    )
