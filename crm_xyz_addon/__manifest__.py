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
    "data": [
        "security/ir.model.access.csv",
        "security/crm_xyz_security.xml",
        "data/ir_cron.xml",
        "views/res_config_settings_views.xml",
        "views/res_partner_views.xml",
        "views/crm_xyz_history_views.xml",
        "views/crm_xyz_run_views.xml",
        "views/sale_order_views.xml",
        "views/menus.xml",
    ],
    "demo": [
        "demo/crm_xyz_demo.xml",
        "demo/crm_xyz_demo_generate.xml",
    ],
    "installable": True,
    "application": False,
}
