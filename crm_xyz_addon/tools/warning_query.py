"""The SQL of the early warning: episodes opened and closed from the classification rows
that the analysis has just written (see classification_query), and the episodes whose
follow-up is scheduled tonight."""

from . import purchase_model_query as model_queries

# an episode ends when the customer buys again, or when its automatic stage comes back up
CLOSE_EPISODES = """
    UPDATE crm_xyz_warning w
       SET date_end = %(as_of)s,
           end_reason = CASE WHEN c.classification_last_sale_date > w.date_start
                             THEN 'sale' ELSE 'stage_up' END,
           won_back_date = CASE WHEN c.classification_last_sale_date > w.date_start
                                THEN c.classification_last_sale_date END,
           won_back_user_id = CASE WHEN c.classification_last_sale_date > w.date_start
                                   THEN c.user_id END,
           write_uid = %(uid)s,
           write_date = %(now)s
      FROM crm_xyz_classification c
     WHERE w.company_id = %(company_id)s
       AND w.date_end IS NULL
       AND c.company_id = w.company_id
       AND c.partner_id = w.partner_id
       AND c.analysis_date = %(as_of)s
       AND (c.classification_last_sale_date > w.date_start OR c.relationship_trend = 'up')
"""

# a customer's P(alive) by the run's model (with the model as the method: the figure that
# flagged it), and its expected purchases
_MODEL_SLOTS = {
    "sale_days": "c.classification_sale_days",
    "first_sale": "c.classification_first_sale_date",
    "last_sale": "c.classification_last_sale_date",
    "as_of": "%(as_of)s::date",
    "r": "%(bgnbd_r)s::float8",
    "alpha": "%(bgnbd_alpha)s::float8",
    "a": "%(bgnbd_a)s::float8",
    "b": "%(bgnbd_b)s::float8",
    "horizon": "%(horizon)s",
}
P_ALIVE = model_queries.statement_expression(model_queries.P_ALIVE, **_MODEL_SLOTS)
EXPECTED_PURCHASES = model_queries.statement_expression(
    model_queries.EXPECTED_PURCHASES, **_MODEL_SLOTS
)

# the customer's salesperson is an active member of its company with sales rights
_SALESPERSON_OF_COMPANY = """EXISTS (
    SELECT 1
      FROM res_company_users_rel membership
      JOIN res_users salesperson ON salesperson.id = membership.user_id AND salesperson.active
      JOIN res_groups_users_rel sales_rights
        ON sales_rights.uid = membership.user_id AND sales_rights.gid = %(salesman_group_id)s
     WHERE membership.cid = c.company_id AND membership.user_id = c.user_id)"""

# an episode starts when a customer becomes at risk (it was not after the previous
# analysis date, or there was none: the first analysis warns about every customer at
# risk) or its automatic stage goes down, unless one is open already.
# Its salesperson is the customer's when he is an active member of the company with
# sales rights (a shared customer's salesperson may work for another company only):
# else it has none, and no follow-up.
OPEN_EPISODES = f"""
    INSERT INTO crm_xyz_warning
           (company_id, partner_id, user_id, reason, date_start, old_stage, new_stage,
            days_since_sale, typical_interval, p_alive,
            create_uid, write_uid, create_date, write_date)
    SELECT c.company_id, c.partner_id,
           CASE WHEN {_SALESPERSON_OF_COMPANY} THEN c.user_id END,
           CASE WHEN c.relationship_trend = 'down' THEN 'stage_down' ELSE 'at_risk' END,
           %(as_of)s, c.relationship_stage_prev, c.relationship_stage_auto,
           %(as_of)s::date - c.classification_last_sale_date, c.classification_typical_interval,
           CASE WHEN %(risk_method)s = 'model' THEN {P_ALIVE} END,
           %(uid)s, %(uid)s, %(now)s, %(now)s
      FROM crm_xyz_classification c
     WHERE c.company_id = %(company_id)s
       AND c.analysis_date = %(as_of)s
       AND (c.relationship_trend = 'down'
            OR (c.classification_at_risk AND c.classification_at_risk_prev IS NOT TRUE))
       AND NOT EXISTS (SELECT 1 FROM crm_xyz_warning open_episode
                        WHERE open_episode.partner_id = c.partner_id
                          AND open_episode.company_id = c.company_id
                          AND open_episode.date_end IS NULL)
    RETURNING id, user_id
"""

# an open episode whose customer still has the open follow-up of an earlier episode is
# followed by it: no second follow-up while one is open
FOLLOWED_ALREADY = """
    UPDATE crm_xyz_warning w
       SET activity_id = earlier.activity_id,
           followup_date = %(as_of)s,
           write_uid = %(uid)s,
           write_date = %(now)s
      FROM (SELECT DISTINCT ON (e.partner_id) e.partner_id, e.activity_id
              FROM crm_xyz_warning e
              JOIN mail_activity activity ON activity.id = e.activity_id
             WHERE e.company_id = %(company_id)s AND activity.active
             ORDER BY e.partner_id, e.id DESC) AS earlier
     WHERE w.company_id = %(company_id)s
       AND w.date_end IS NULL
       AND w.followup_date IS NULL
       AND w.partner_id = earlier.partner_id
"""

# The open episodes without a follow-up whose customer has a salesperson of the company
# now, each salesperson's most valuable first (ABC class, the amount in the window, the
# expected purchases by the run's model), at most %(cap)s per salesperson (0: all).
# Columns: episode id, salesperson, days since the customer's last sale.
EPISODES_TO_SCHEDULE = f"""
    SELECT id, user_id, days_since_sale
      FROM (SELECT w.id, c.user_id,
                   %(as_of)s::date - c.classification_last_sale_date AS days_since_sale,
                   ROW_NUMBER() OVER (
                       PARTITION BY c.user_id
                       ORDER BY c.abc_class NULLS LAST,
                                c.classification_amount DESC NULLS LAST,
                                {EXPECTED_PURCHASES} DESC NULLS LAST,
                                w.date_start, w.id) AS place
              FROM crm_xyz_warning w
              JOIN crm_xyz_classification c
                ON c.partner_id = w.partner_id AND c.company_id = w.company_id
             WHERE w.company_id = %(company_id)s
               AND w.date_end IS NULL
               AND w.followup_date IS NULL
               AND c.user_id IS NOT NULL
               AND {_SALESPERSON_OF_COMPANY}) AS ranked
     WHERE %(cap)s = 0 OR place <= %(cap)s
     ORDER BY user_id, place
"""

# the open episodes left without a follow-up by the cap, for a salesperson to call later
WAITING_EPISODES = f"""
    SELECT COUNT(*)
      FROM crm_xyz_warning w
      JOIN crm_xyz_classification c
        ON c.partner_id = w.partner_id AND c.company_id = w.company_id
     WHERE w.company_id = %(company_id)s
       AND w.date_end IS NULL
       AND w.followup_date IS NULL
       AND c.user_id IS NOT NULL
       AND {_SALESPERSON_OF_COMPANY}
"""

# episodes opened before follow-ups were scheduled by a cap (upgrade): they had theirs,
# or none by the rules of then; not scheduled again
MARK_EARLIER_EPISODES_FOLLOWED = """
    UPDATE crm_xyz_warning SET followup_date = date_start WHERE followup_date IS NULL
"""

# the episodes' follow-ups assigned to users about to be deleted (res.users.unlink)
FORGET_FOLLOW_UPS_OF_USERS = """
    UPDATE crm_xyz_warning SET activity_id = NULL
     WHERE activity_id IN (SELECT id FROM mail_activity WHERE user_id = ANY(%s))
"""
