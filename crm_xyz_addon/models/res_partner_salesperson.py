from odoo import api, models

# what decides a commercial partner's salesperson: the salesperson himself, and whether
# the partner is a commercial partner at all
SALESPERSON_FIELDS = ("user_id", "parent_id", "is_company")


# kept apart from res_partner.py: the salesperson history is the manager report's concern
class ResPartner(models.Model):
    """Every change of a customer's salesperson goes to the salesperson history, so
    that the manager report counts each period for the salesperson of the time."""

    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        self.env["crm.xyz.salesperson.history"].sudo()._record_changes(partners.filtered("user_id"))
        return partners

    def write(self, vals):
        result = super().write(vals)
        if any(name in vals for name in SALESPERSON_FIELDS):
            self.env["crm.xyz.salesperson.history"].sudo()._record_changes(self)
        return result
