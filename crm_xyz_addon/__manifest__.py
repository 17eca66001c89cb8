{
    "name": "Customer XYZ Analysis, Agenda and Manager Performance",
    "summary": "Relationship stages, ABC and XYZ classes of customers, a salesperson agenda "
    "and manager performance indicators, as in 1C:Trade Management",
    "version": "18.0.1.0.0",
    "category": "Sales",
    "license": "LGPL-3",
    "author": "crm_xyz_addon developers",
    "website": "https://github.com/crm-xyz/crm_xyz_addon",
    "depends": ["sale_management", "sale_margin", "sale_crm", "crm", "calendar"],
    "data": [],
    "demo": [],
    "installable": True,
    "application": False,
}
