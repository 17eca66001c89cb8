"""All the SQL of the customer classification.

It reads the sales of the company as ``company_sales`` defines them; the analysis
itself is one statement (``analysis_statement``): it computes every customer's
stage, classes and figures, and in the same statement updates the changed rows,
inserts the new ones and writes the history of the changes.
"""

from odoo.tools import SQL

from . import purchase_model_query as model_queries
from .company_sales import FIRST_RATES, NOT_A_COMPANY, company_sales
from .vocabulary import (
    ABC_CLASSES,
    BUYING_STAGES,
    MANUAL_FIELDS,
    STAGES,
    XYZ_CLASSES,
    count_field,
    effective_sql,
    portfolio_row_sql,
    quoted,
    trend_sql,
)

# the row of the customer portfolio of a new row ``n``
PORTFOLIO_ROW = portfolio_row_sql("n.stage", "n.abc")
# the customers counted per stage and class: (column of the statement, keys)
COUNTED = (("stage", STAGES), ("abc", ABC_CLASSES), ("xyz", XYZ_CLASSES))


def classification_select(source, parameter):
    """Every customer of the company to classify, with its new automatic values.

    The customers are the active commercial partners shared by all companies or
    restricted to this one, with a sale up to the date, an open opportunity or
    quotation of the company (potential), or a row of the company already (to be
    cleared when it has neither). An archived customer, or one moved to another
    company, is neither classified nor cleared, and counts in nobody's shares.

    Thresholds are numeric parameters: the comparisons are exact, as the
    documented rules are (a CV of exactly 10 % is X, a cumulative share of
    exactly 80 % is B).

    Columns: partner_id, user_id, stage, abc, xyz, amount, purchase_count, cv,
    last_sale_date, missing_rates, and the early warning:
    typical_interval (the median gap between the last 13 sale days, with 3 sale
    days at least), expected_date, at_risk (by the typical interval), and what
    the purchase model reads: first_sale_date and sale_days.
    """
    return f"""
        {FIRST_RATES},
        sales AS ({company_sales(source, parameter, missing_rates=True)}),
        per_bucket AS (
            SELECT partner_id,
                   width_bucket(sale_date, %(thresholds)s::date[]) AS bucket,
                   SUM(amount) AS amount,
                   SUM(purchase) AS purchases,
                   SUM(missing_rate) AS missing_rates,
                   MAX(sale_date) FILTER (WHERE purchase > 0) AS last_sale_date
              FROM sales
             GROUP BY 1, 2
        ),
        -- the gaps between a customer's last 13 sale days (days it bought on)
        recent_sale_days AS (
            SELECT partner_id, sale_date,
                   ROW_NUMBER() OVER (PARTITION BY partner_id ORDER BY sale_date DESC) AS recency
              FROM (SELECT DISTINCT partner_id, sale_date FROM sales WHERE purchase > 0) days
        ),
        gaps AS (
            SELECT partner_id,
                   sale_date - LEAD(sale_date) OVER (PARTITION BY partner_id
                                                     ORDER BY sale_date DESC) AS gap
              FROM recent_sale_days
             WHERE recency <= 13
        ),
        -- what the purchase model reads: the number of sale days and the first one
        sale_day_span AS (
            SELECT partner_id, COUNT(*)::int AS sale_days, MIN(sale_date) AS first_sale_date
              FROM recent_sale_days
             GROUP BY partner_id
        ),
        intervals AS (
            -- the median gap (the mean of the two middle ones for an even number), for
            -- customers with at least 3 sale days
            SELECT partner_id,
                   (percentile_cont(0.5) WITHIN GROUP (ORDER BY gap))::numeric AS typical
              FROM gaps
             WHERE gap IS NOT NULL
             GROUP BY partner_id
            HAVING COUNT(*) >= 2
        ),
        per_partner AS (
            SELECT pb.partner_id,
                   COALESCE(SUM(pb.amount) FILTER (WHERE pb.bucket > 0), 0) AS total,
                   -- the sum of the squared sub-period values, for the CV
                   COALESCE(SUM(pb.amount * pb.amount) FILTER (WHERE pb.bucket > 0), 0)
                       AS total_sq,
                   COALESCE(SUM(pb.purchases) FILTER (WHERE pb.bucket > 0), 0)::int AS in_window,
                   COALESCE(SUM(pb.purchases) FILTER (WHERE pb.bucket = 0), 0)::int
                       AS before_window,
                   COALESCE(SUM(pb.missing_rates) FILTER (WHERE pb.bucket > 0), 0)::int
                       AS missing_rates,
                   MAX(pb.last_sale_date) AS last_sale_date
              FROM per_bucket pb
              JOIN res_partner customer ON customer.id = pb.partner_id
             WHERE customer.active
               AND (customer.company_id IS NULL OR customer.company_id = %(company_id)s)
             GROUP BY pb.partner_id
            HAVING SUM(pb.purchases) > 0
        ),
        ranked AS (
            SELECT partner_id,
                   COALESCE(SUM(total) OVER (ORDER BY total DESC, partner_id
                                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
                       AS cum_before,
                   SUM(total) OVER () AS grand_total
              FROM per_partner
             WHERE total > 0
        ),
        prospects AS (
            SELECT lp.commercial_partner_id AS partner_id
              FROM crm_lead lead
              JOIN res_partner lp ON lp.id = lead.partner_id
             WHERE lead.company_id = %(company_id)s AND lead.active
             UNION
            SELECT qp.commercial_partner_id
              FROM sale_order quote
              JOIN res_partner qp ON qp.id = quote.partner_id
             WHERE quote.company_id = %(company_id)s AND quote.state IN ('draft', 'sent')
        ),
        population AS (
            SELECT partner_id FROM per_partner
             UNION
            SELECT partner_id FROM prospects
             UNION
            SELECT partner_id FROM crm_xyz_classification WHERE company_id = %(company_id)s
        ),
        staged AS (
            SELECT pop.partner_id, p.user_id, pp.total, pp.total_sq, pp.in_window,
                   pp.last_sale_date, COALESCE(pp.missing_rates, 0) AS missing_rates,
                   iv.typical, rk.grand_total, span.sale_days, span.first_sale_date,
                   CASE WHEN pp.partner_id IS NOT NULL THEN
                            CASE WHEN pp.in_window > %(one_off_max)s THEN 'regular'
                                 WHEN pp.in_window > 0 THEN 'one_off'
                                 ELSE 'lost' END
                        WHEN p.id = p.commercial_partner_id
                             AND p.id IN (SELECT partner_id FROM prospects)
                             AND {NOT_A_COMPANY.format(partner="p.id")}
                        THEN 'potential'
                   END AS stage,
                   CASE WHEN pp.total > 0 AND rk.grand_total > 0 THEN
                            CASE WHEN 100 * rk.cum_before < %(a_percent)s * rk.grand_total
                                 THEN 'A'
                                 WHEN 100 * rk.cum_before
                                      < (%(a_percent)s + %(b_percent)s) * rk.grand_total
                                 THEN 'B'
                                 ELSE 'C' END
                   END AS abc,
                   -- N^2 times the population variance of the N sub-period values
                   %(period_count)s * pp.total_sq - pp.total * pp.total AS spread
              FROM population pop
              JOIN res_partner p ON p.id = pop.partner_id
              LEFT JOIN per_partner pp ON pp.partner_id = pop.partner_id
              LEFT JOIN ranked rk ON rk.partner_id = pop.partner_id
              LEFT JOIN intervals iv ON iv.partner_id = pop.partner_id
              LEFT JOIN sale_day_span span ON span.partner_id = pop.partner_id
             WHERE p.active AND (p.company_id IS NULL OR p.company_id = %(company_id)s)
        ),
        computed AS MATERIALIZED (
            SELECT partner_id, user_id, stage, abc, missing_rates,
                   -- CV <= limit  <=>  10000 * spread <= limit^2 * total^2, exactly
                   CASE WHEN stage IS DISTINCT FROM 'regular' THEN NULL
                        WHEN total <= 0 THEN 'Z'
                        WHEN 10000 * spread <= %(x_max)s * %(x_max)s * total * total THEN 'X'
                        WHEN 10000 * spread <= %(y_max)s * %(y_max)s * total * total THEN 'Y'
                        ELSE 'Z' END AS xyz,
                   CASE WHEN stage = 'regular' AND total > 0
                        THEN ROUND(100 * sqrt(spread::numeric) / total::numeric, 4) END AS cv,
                   total AS amount,
                   in_window AS purchase_count,
                   last_sale_date,
                   typical AS typical_interval,
                   (last_sale_date + FLOOR(typical + 0.5)::int) AS expected_date,
                   first_sale_date,
                   sale_days,
                   COALESCE(stage IN ({quoted(BUYING_STAGES)})
                            AND %(as_of)s::date - last_sale_date > %(risk_factor)s * typical
                            AND %(as_of)s::date - last_sale_date >= %(risk_min_days)s,
                            FALSE) AS at_risk
              FROM staged
        )
    """


# the values the analysis stores per customer, in the order of the comparisons
STORED_COLUMNS = (
    "relationship_stage_auto",
    "abc_class_auto",
    "xyz_class_auto",
    "relationship_stage_prev",
    "abc_class_prev",
    "xyz_class_prev",
    "relationship_trend",
    "classification_amount",
    "classification_purchase_count",
    "classification_cv",
    "classification_last_sale_date",
    "classification_typical_interval",
    "classification_expected_date",
    "classification_at_risk",
    "classification_at_risk_prev",
    "classification_first_sale_date",
    "classification_sale_days",
)
# written with the values that changed, never compared: a customer whose values stay the
# same is not rewritten every night
ANALYSIS_DATE = "analysis_date"


def analysis_statement(source, parameter):
    """Classify a company as of a date and store it, in one statement.

    A second run for the same date compares with the state before the first one
    (the stored previous values): it changes nothing. Only changed rows are
    written; a history row is written where the automatic stage or a class
    changed. Returns one row of counts, and the figures the purchase model is
    fitted on (rows [x, t_x, T in days, customers]). The customers at risk are
    flagged by the typical interval; by the purchase model (``risk_method``),
    their flags are kept as they were, for flag_at_risk_statement.
    """
    new_values = ", ".join(f"n.{column}" for column in STORED_COLUMNS)
    old_values = ", ".join(f"n.old_{column}" for column in STORED_COLUMNS)
    assignments = ", ".join(f"{column} = n.{column}" for column in (*STORED_COLUMNS, ANALYSIS_DATE))
    effective_assignments = ", ".join(
        f"{effective} = {effective_sql(f't.{manual}', f'n.{automatic}')}"
        for manual, (effective, automatic) in MANUAL_FIELDS.items()
    )
    counts = ",\n               ".join(
        f"COUNT(*) FILTER (WHERE {column} = '{key}')" for column, keys in COUNTED for key in keys
    )
    return f"""
        WITH {classification_select(source, parameter)},
        based AS (
            SELECT c.*, old.id AS row_id,
                   {", ".join(f"old.{column} AS old_{column}" for column in STORED_COLUMNS)},
                   -- a rerun for the same date starts again from the state before
                   CASE WHEN old.analysis_date = %(as_of)s
                        THEN old.relationship_stage_prev ELSE old.relationship_stage_auto END
                       AS base_stage,
                   CASE WHEN old.analysis_date = %(as_of)s
                        THEN old.abc_class_prev ELSE old.abc_class_auto END AS base_abc,
                   CASE WHEN old.analysis_date = %(as_of)s
                        THEN old.xyz_class_prev ELSE old.xyz_class_auto END AS base_xyz,
                   CASE WHEN old.analysis_date = %(as_of)s
                        THEN old.classification_at_risk_prev ELSE old.classification_at_risk END
                       AS base_at_risk
              FROM computed c
              LEFT JOIN crm_xyz_classification old
                ON old.partner_id = c.partner_id AND old.company_id = %(company_id)s
        ),
        new AS (
            SELECT b.*,
                   b.stage AS relationship_stage_auto,
                   b.abc AS abc_class_auto,
                   b.xyz AS xyz_class_auto,
                   CASE WHEN b.stage IS NOT NULL THEN b.base_stage END AS relationship_stage_prev,
                   CASE WHEN b.stage IS NOT NULL THEN b.base_abc END AS abc_class_prev,
                   CASE WHEN b.stage IS NOT NULL THEN b.base_xyz END AS xyz_class_prev,
                   CASE WHEN b.stage IS NOT NULL
                        THEN {trend_sql("b.base_stage", "b.stage")} END AS relationship_trend,
                   b.amount AS classification_amount,
                   b.purchase_count AS classification_purchase_count,
                   b.cv AS classification_cv,
                   b.last_sale_date AS classification_last_sale_date,
                   CASE WHEN b.stage IS NOT NULL THEN %(as_of)s::date END AS analysis_date,
                   b.typical_interval AS classification_typical_interval,
                   b.expected_date AS classification_expected_date,
                   -- by the purchase model: flagged after the statement (flag_at_risk_statement),
                   -- once the model is fitted on the figures it returns; kept until then
                   CASE WHEN b.stage IS NULL THEN NULL
                        WHEN %(risk_method)s = 'model'
                        THEN COALESCE(b.old_classification_at_risk, FALSE)
                        ELSE b.at_risk END AS classification_at_risk,
                   CASE WHEN b.stage IS NOT NULL THEN b.base_at_risk END
                       AS classification_at_risk_prev,
                   b.first_sale_date AS classification_first_sale_date,
                   b.sale_days AS classification_sale_days
              FROM based b
        ),
        changed AS (
            SELECT n.* FROM new n
             WHERE ({new_values}) IS DISTINCT FROM ({old_values})
        ),
        updated AS (
            UPDATE crm_xyz_classification t
               SET {assignments}, user_id = n.user_id,
                   at_risk_count = COALESCE(n.classification_at_risk::int, 0),
                   portfolio_row = {PORTFOLIO_ROW},
                   {effective_assignments}
              FROM changed n
             WHERE t.id = n.row_id
            RETURNING 1
        ),
        inserted AS (
            INSERT INTO crm_xyz_classification
                   (company_id, partner_id, user_id, relationship_stage, abc_class, xyz_class,
                    at_risk_count, portfolio_row, {ANALYSIS_DATE}, {", ".join(STORED_COLUMNS)})
            SELECT %(company_id)s, n.partner_id, n.user_id, n.stage, n.abc, n.xyz,
                   COALESCE(n.classification_at_risk::int, 0), {PORTFOLIO_ROW}, n.analysis_date,
                   {new_values}
              FROM changed n
             WHERE n.row_id IS NULL
            RETURNING 1
        ),
        -- what the purchase model is fitted on (purchase_model_query.MODEL_FIGURES)
        model_figures AS ({model_queries.model_figures("computed")}),
        history AS (
            INSERT INTO crm_xyz_history
                   (date, kind, run_id, company_id, partner_id, user_id,
                    old_stage, new_stage, old_abc_class, new_abc_class,
                    old_xyz_class, new_xyz_class, stage_trend,
                    create_uid, write_uid, create_date, write_date)
            SELECT %(as_of)s, 'analysis', %(run_id)s, %(company_id)s, n.partner_id, n.user_id,
                   n.old_relationship_stage_auto, n.stage,
                   n.old_abc_class_auto, n.abc,
                   n.old_xyz_class_auto, n.xyz,
                   {trend_sql("n.old_relationship_stage_auto", "n.stage")},
                   %(uid)s, %(uid)s, %(now)s, %(now)s
              FROM changed n
             WHERE (n.stage, n.abc, n.xyz) IS DISTINCT FROM
                   (n.old_relationship_stage_auto, n.old_abc_class_auto, n.old_xyz_class_auto)
            RETURNING 1
        )
        SELECT COUNT(*) FILTER (WHERE stage IS NOT NULL),
               (SELECT COUNT(*) FROM updated) + (SELECT COUNT(*) FROM inserted),
               COALESCE(SUM(missing_rates), 0),
               {counts},
               COUNT(*) FILTER (WHERE stage IS NOT NULL AND classification_at_risk),
               (SELECT array_agg(ARRAY[frequency, recency, age, customers]) FROM model_figures),
               (SELECT COUNT(*) FROM history)
          FROM new
    """


ANALYSIS_COUNTS = (
    "customer_count",
    "changed_count",
    "missing_rate_count",
    *(count_field(key) for _column, keys in COUNTED for key in keys),
    "at_risk_count",
    "model_figures",
    "history_count",
)


# a stored customer's P(alive) by the run's purchase model (purchase_model_query)
STORED_P_ALIVE = model_queries.statement_expression(
    model_queries.P_ALIVE,
    sale_days="c.classification_sale_days",
    first_sale="c.classification_first_sale_date",
    last_sale="c.classification_last_sale_date",
    as_of="%(as_of)s::date",
    r="%(bgnbd_r)s::float8",
    alpha="%(bgnbd_alpha)s::float8",
    a="%(bgnbd_a)s::float8",
    b="%(bgnbd_b)s::float8",
)


def flag_at_risk_statement():
    """After the analysis statement, with the purchase model as the method: flag the
    customers the company classifies now, from their stored figures. By the model (a
    regular or one-off customer with 2 sale days at least whose P(alive) is below
    %(risk_p_alive)s), or by the typical interval when the run fitted no model
    (``risk_method`` 'rule', as the statement would have).

    Only the rows whose flag changes are written, dated like the statement's. Returns
    one row: the rows changed that the statement had not changed, the customers at
    risk.
    """
    return f"""
        WITH flags AS (
            SELECT c.id, c.analysis_date = %(as_of)s AS changed_already,
                   COALESCE(
                       c.relationship_stage_auto IN ({quoted(BUYING_STAGES)})
                       AND CASE WHEN %(risk_method)s = 'model'
                                THEN c.classification_sale_days >= 2
                                     AND {STORED_P_ALIVE} < %(risk_p_alive)s::float8
                                ELSE %(as_of)s::date - c.classification_last_sale_date
                                         > %(risk_factor)s * c.classification_typical_interval
                                     AND %(as_of)s::date - c.classification_last_sale_date
                                         >= %(risk_min_days)s
                           END,
                       FALSE) AS at_risk
              FROM crm_xyz_classification c
              JOIN res_partner customer ON customer.id = c.partner_id
             WHERE c.company_id = %(company_id)s
               AND c.relationship_stage_auto IS NOT NULL
               AND customer.active
               AND (customer.company_id IS NULL OR customer.company_id = %(company_id)s)
        ),
        updated AS (
            UPDATE crm_xyz_classification c
               SET classification_at_risk = f.at_risk,
                   at_risk_count = f.at_risk::int,
                   analysis_date = %(as_of)s
              FROM flags f
             WHERE c.id = f.id AND c.classification_at_risk IS DISTINCT FROM f.at_risk
            RETURNING f.changed_already
        )
        SELECT (SELECT COUNT(*) FROM updated WHERE NOT changed_already),
               (SELECT COUNT(*) FROM flags WHERE at_risk)
    """


def preview_statement(source, parameter):
    """What a run with these settings would give, writing nothing.

    The same computation as the analysis (classification_select), summed up, in one
    row of three columns: the summary (a JSON array of [stage, abc, xyz, periods,
    customers, amount, customers at risk by the typical interval], one per stage,
    ABC and XYZ class and, for regular customers, number of sub-periods with a
    purchase, for the period hint; the amount of the customers with an ABC class),
    the figures the purchase model is fitted on, and those of the customers it may
    flag at risk (regular or one-off, 2 sale days at least), both as rows
    [x, t_x, T in days, customers].
    """
    return f"""
        WITH {classification_select(source, parameter)},
        active_periods AS (
            SELECT partner_id, COUNT(*) AS periods
              FROM per_bucket
             WHERE bucket > 0 AND purchases > 0
             GROUP BY partner_id
        ),
        summary AS (
            SELECT c.stage, c.abc, c.xyz,
                   CASE WHEN c.stage = 'regular' THEN COALESCE(ap.periods, 0) END AS periods,
                   COUNT(*) AS customers,
                   COALESCE(SUM(c.amount) FILTER (WHERE c.abc IS NOT NULL), 0) AS amount,
                   COUNT(*) FILTER (WHERE c.at_risk) AS at_risk
              FROM computed c
              LEFT JOIN active_periods ap ON ap.partner_id = c.partner_id
             WHERE c.stage IS NOT NULL
             GROUP BY 1, 2, 3, 4
        ),
        model_figures AS ({model_queries.model_figures("computed")}),
        flaggable AS ({
        model_queries.model_figures(
            "computed", f"stage IN ({quoted(BUYING_STAGES)}) AND sale_days >= 2"
        )
    })
        SELECT (SELECT json_agg(json_build_array(stage, abc, xyz, periods, customers, amount,
                                                 at_risk))
                  FROM summary),
               (SELECT array_agg(ARRAY[frequency, recency, age, customers]) FROM model_figures),
               (SELECT array_agg(ARRAY[frequency, recency, age, customers]) FROM flaggable)
    """


def classes_of_contacts(partner_ids):
    """Rows (partner id, company id, stage, ABC class, XYZ class): the classifications
    that the customers (commercial partners) of the contacts ``partner_ids`` have, in
    every company where they have one."""
    return SQL(
        """
        SELECT member.id, row.company_id, row.relationship_stage, row.abc_class,
               row.xyz_class
          FROM res_partner member
          JOIN crm_xyz_classification row ON row.partner_id = member.commercial_partner_id
         WHERE member.id = ANY(%s)
        """,
        list(partner_ids),
    )


# first key of the advisory locks taken by the analysis, the company id being the second
ANALYSIS_LOCK_KEY = 73_001


def lock_query(company_id):
    """Transaction-scoped lock: never two analyses of one company at once."""
    return SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", ANALYSIS_LOCK_KEY, company_id)


def current_statement():
    """The stored automatic classification of a company, summed up like preview_statement;
    its customers at risk by the method of the last run (``risk_method``), none by the other."""
    return """
        SELECT relationship_stage_auto, abc_class_auto, xyz_class_auto, NULL::int,
               COUNT(*),
               COALESCE(SUM(classification_amount) FILTER (WHERE abc_class_auto IS NOT NULL), 0),
               CASE WHEN %(risk_method)s = 'rule'
                    THEN COUNT(*) FILTER (WHERE classification_at_risk) END,
               CASE WHEN %(risk_method)s = 'model'
                    THEN COUNT(*) FILTER (WHERE classification_at_risk) END
          FROM crm_xyz_classification
         WHERE company_id = %(company_id)s AND relationship_stage_auto IS NOT NULL
         GROUP BY 1, 2, 3
    """


def whole_percent_statement(source, parameter):
    """For each regular customer, the smallest whole percent P that makes it X.

    A customer is X when CV <= limit, that is 10000 * spread <= limit^2 * total^2
    exactly; sqrt() only gives the first guess, which the exact test then corrects.
    Customers with no positive total are never X (NULL). One row per percent:
    whole_percent, customers.
    """
    return f"""
        WITH {classification_select(source, parameter)},
        guessed AS (
            SELECT spread, total,
                   CASE WHEN total > 0
                        THEN CEIL(100 * sqrt(spread::numeric) / total::numeric) END AS guess
              FROM staged
             WHERE stage = 'regular'
        )
        SELECT CASE WHEN guess IS NULL THEN NULL
                    WHEN 10000 * spread > guess * guess * total * total THEN guess + 1
                    WHEN guess > 0
                         AND 10000 * spread <= (guess - 1) * (guess - 1) * total * total
                    THEN guess - 1
                    ELSE guess END::int,
               COUNT(*)
          FROM guessed
         GROUP BY 1
    """


def classified_on(columns):
    """The date a customer's row is classified on, as crm.xyz.classification computes it
    when read (``_compute_classification_date``), for searching, sorting and grouping:
    the company's last analysis while the customer is classified (its automatic stage
    set, the partner active and of the company or shared), else the row's last change.

    :param columns: SQL of the row's ``company_id``, ``relationship_stage_auto`` and
        ``analysis_date``, of the partner's ``active`` and ``company_id`` (``row_*``,
        ``partner_*``) and of the company's last run (``last_run_id``)
    """
    return SQL(
        """CASE WHEN %(row_relationship_stage_auto)s IS NOT NULL
                 AND %(partner_active)s
                 AND (%(partner_company_id)s IS NULL
                      OR %(partner_company_id)s = %(row_company_id)s)
            THEN COALESCE((SELECT last_run.date FROM crm_xyz_run last_run
                            WHERE last_run.id = %(last_run_id)s),
                          %(row_analysis_date)s)
            ELSE %(row_analysis_date)s END""",
        **columns,
    )


def days_since_sale(classified, last_sale_date):
    """The days from the last sale to the date the row is classified on (0 without)."""
    return SQL("COALESCE(%s - %s, 0)", classified, last_sale_date)
