"""The SQL of the early warning: episodes opened and closed from the classification rows
that the analysis has just written (see classification_query)."""

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

# an episode starts when a customer becomes at risk (it was not after the previous
# analysis date, or there was none: the first analysis warns about every customer at
# risk) or its automatic stage goes down, unless one is open already; the
# second column says whether one of the customer's earlier follow-ups is still open
OPEN_EPISODES = """
    INSERT INTO crm_xyz_warning
           (company_id, partner_id, user_id, reason, date_start, old_stage, new_stage,
            days_since_sale, typical_interval, create_uid, write_uid, create_date, write_date)
    SELECT c.company_id, c.partner_id, c.user_id,
           CASE WHEN c.relationship_trend = 'down' THEN 'stage_down' ELSE 'at_risk' END,
           %(as_of)s, c.relationship_stage_prev, c.relationship_stage_auto,
           %(as_of)s::date - c.classification_last_sale_date, c.classification_typical_interval,
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
    RETURNING id,
              EXISTS (SELECT 1 FROM crm_xyz_warning earlier
                        JOIN mail_activity activity ON activity.id = earlier.activity_id
                       WHERE earlier.partner_id = crm_xyz_warning.partner_id
                         AND earlier.company_id = crm_xyz_warning.company_id
                         AND activity.active)
"""
