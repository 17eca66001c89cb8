from odoo import models
from odoo.tools import SQL

from odoo.addons.crm_xyz_addon.tools import agenda_query

# Open outgoing transfers of confirmed orders, on their scheduled date, with the
# untaxed value (company currency, order rate) of the goods still to ship;
# urgent (starred) transfers are important. Columns: EVENT_COLUMNS of
# crm_xyz_addon/tools/agenda_query.py.
_PICKING_DELIVERY_EVENTS = """
    SELECT picking.id::bigint * 10 + 4 AS id,
           'delivery' AS event_type,
           picking.scheduled_date AS date,
           picking.scheduled_date + INTERVAL '1 hour' AS date_stop,
           FALSE AS all_day,
           CASE WHEN picking.priority = '1' THEN 'high' ELSE 'normal' END AS importance,
           picking.name AS source_name,
           NULL::varchar AS summary,
           NULL::integer AS activity_type_id,
           NULL::integer AS activity_id,
           customer.commercial_partner_id AS partner_id,
           sale.user_id AS user_id,
           picking.company_id AS company_id,
           (pending.amount / NULLIF(sale.currency_rate, 0))::numeric AS amount,
           'stock.picking' AS res_model,
           picking.id AS res_id,
           sale.id AS order_id,
           FALSE AS is_private
      FROM stock_picking picking
      JOIN stock_picking_type picking_type ON picking_type.id = picking.picking_type_id
      JOIN sale_order sale ON sale.id = picking.sale_id
      JOIN res_partner customer ON customer.id = sale.partner_id
      LEFT JOIN LATERAL (
            SELECT SUM(move.product_uom_qty / move_uom.factor * line_uom.factor
                       * line.price_reduce_taxexcl) AS amount
              FROM stock_move move
              JOIN sale_order_line line ON line.id = move.sale_line_id
              JOIN uom_uom move_uom ON move_uom.id = move.product_uom
              JOIN uom_uom line_uom ON line_uom.id = line.product_uom
             WHERE move.picking_id = picking.id
               AND move.state NOT IN ('done', 'cancel')
      ) pending ON TRUE
     WHERE picking_type.code = 'outgoing'
       AND picking.state NOT IN ('done', 'cancel')
       AND sale.state = 'sale'
       AND %(window)s
"""


def picking_delivery_events(window=agenda_query.UNBOUNDED):
    """The transfers of `window` (an EventWindow), on their indexed scheduled date."""
    return SQL(_PICKING_DELIVERY_EVENTS, window=window.on_time(SQL("picking.scheduled_date")))


class CrmXyzAgenda(models.Model):
    _inherit = "crm.xyz.agenda"

    _depends = {
        "stock.picking": [
            "state",
            "scheduled_date",
            "priority",
            "name",
            "picking_type_id",
            "sale_id",
            "company_id",
        ],
        "stock.move": ["picking_id", "sale_line_id", "state", "product_uom_qty", "product_uom"],
    }

    def _delivery_events_query(self, window=agenda_query.UNBOUNDED):
        """With Inventory, the deliveries are the open outgoing transfers."""
        return picking_delivery_events(window)
