"""The tables of the classification results and history, made by hand.

Odoo gives every many2one a foreign key, and each key is a trigger that runs for
every row inserted: the audit measured 8.4 s of the 10.6 s the first analysis of
96,000 customers spent writing its history. These two tables are written in bulk
by the analysis only: the models that own them (``crm.xyz.classification``,
``crm.xyz.history``, ``_auto = False``) make them in their ``init()`` with
``create_table`` and add the keys and indexes they need. The ORM reads and writes
them as usual.
"""

from odoo.tools import SQL
from odoo.tools import sql as sqltools

# room on each page for the nightly rewrite of a row: the new version then stays
# on its page (a HOT update) and no index is touched
CLASSIFICATION_FILLFACTOR = 80


def create_table(cr, model, *, fillfactor=None):
    """The model's table with a column per stored field, added where missing; no key,
    no index."""
    table = model._table
    if not sqltools.table_exists(cr, table):
        sqltools.create_model_table(cr, table, model._description)
    existing = sqltools.table_columns(cr, table)
    for name, field in model._fields.items():
        if name == "id" or not field.store or not field.column_type:
            continue
        if name not in existing:
            sqltools.create_column(cr, table, name, field.column_type[1], field.string)
            default = model.default_get([name]).get(name)
            if default is not None and default is not False:
                # the rows of an older version get the default, as Odoo's own tables do
                cr.execute(
                    SQL(
                        "UPDATE %s SET %s = %s",
                        SQL.identifier(table),
                        SQL.identifier(name),
                        default,
                    )
                )
        if field.required:
            sqltools.set_not_null(cr, table, name)
    if fillfactor:
        cr.execute(SQL("ALTER TABLE %s SET (fillfactor = %s)", SQL.identifier(table), fillfactor))


# The history has no foreign key (see above): res.partner.unlink(), crm.xyz.run.unlink()
# and the contact merge look after its rows. What they cannot see, a customer or a run
# deleted in SQL, Odoo's daily clean-up (crm.xyz.history._gc_dangling) clears with this.
DELETE_DANGLING_HISTORY = """
    DELETE FROM crm_xyz_history history
     WHERE NOT EXISTS (SELECT FROM res_partner partner WHERE partner.id = history.partner_id)
        OR (history.run_id IS NOT NULL
            AND NOT EXISTS (SELECT FROM crm_xyz_run run WHERE run.id = history.run_id))
"""
