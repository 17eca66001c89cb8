"""Access checks of the agenda and of its drill-down wizards.

Their actions are public methods, so RPC can call them with any id. A missing
record and a record the user may not read get the same AccessError, so that a
forged id never tells whether something exists.
"""

from odoo.exceptions import AccessError, UserError

# the largest id of a record: PostgreSQL's integer, and its bigint for the agenda's events
# (whose ids are made of the source's id and a digit); an id beyond cannot exist
MAX_ID = 2**31 - 1
MAX_BIGINT_ID = 2**63 - 1


def not_found_error(env):
    return AccessError(env._("The record does not exist or you are not allowed to access it."))


def _possible_id(record_id, max_id=MAX_ID):
    """Whether `record_id` can be the id of a record (an integer of the column's range)."""
    return (
        isinstance(record_id, int) and not isinstance(record_id, bool) and 0 < record_id <= max_id
    )


def visible_record(records, max_id=MAX_ID):
    """`records` itself when it is one record the user may read, else an error
    (AccessError alike for missing and forbidden, and for ids no record can have,
    beyond `max_id`, which the database would refuse with an error of its own)."""
    if len(records) != 1:
        raise UserError(records.env._("Select exactly one record."))
    if not all(_possible_id(record_id, max_id) for record_id in records._ids):
        raise not_found_error(records.env)
    # a search applies the access rights and the record rules in one query
    if records.search_count([("id", "=", records.id)]) != 1:
        raise not_found_error(records.env)
    return records


def readable_document(env, model_name, record_id):
    """The record `record_id` of model `model_name` when the user may read it,
    else the same AccessError for an unknown model, a missing or a forbidden
    record."""
    if not isinstance(model_name, str) or model_name not in env or not _possible_id(record_id):
        raise not_found_error(env)
    document = env[model_name].browse(record_id)
    if env[model_name]._abstract or not document.exists() or not document.has_access("read"):
        raise not_found_error(env)
    return document
