{
    "name": "Customer XYZ Analysis, Agenda and Manager Performance",
    "summary": "Relationship stages, ABC and XYZ classes of customers, a salesperson agenda "
    "and manager performance indicators, as in 1C:Trade Management",
    "version": "18.0.3.0.0",
    "category": "Sales",
    "license": "LGPL-3",
    "author": "crm_xyz_addon developers",
    "website": "https://github.com/crm-xyz/crm_xyz_addon",
    "depends": ["sale_management", "sale_margin", "sale_crm", "crm", "calendar"],
    # the purchase model of the early warning (tools/purchase_model.py)
    "external_dependencies": {"python": ["numpy", "scipy"]},
    "data": [
        "security/ir.model.access.csv",
        "security/crm_xyz_security.xml",
        "data/ir_cron.xml",
        # the settings screen first: the Settings app links to it, and on an upgrade its
        # block replaces the former fields before any other view of the Settings app loads
        "views/crm_xyz_classification_settings_views.xml",
        "views/res_config_settings_views.xml",
        "views/res_partner_views.xml",
        "views/crm_xyz_classification_views.xml",
        "views/crm_xyz_portfolio_views.xml",
        "views/crm_xyz_history_views.xml",
        "views/crm_xyz_warning_views.xml",
        "views/crm_xyz_run_views.xml",
        "views/sale_order_views.xml",
        "views/crm_xyz_manager_report_views.xml",
        "views/res_config_settings_manager_report_views.xml",
        "reports/crm_xyz_manager_report.xml",
        "views/crm_xyz_agenda_views.xml",
        "views/mail_activity_views.xml",
        "wizards/mail_activity_schedule_views.xml",
        "wizards/crm_xyz_order_analysis_views.xml",
        "wizards/crm_xyz_order_documents_views.xml",
        "wizards/crm_xyz_customer_balance_views.xml",
        "views/menus.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "crm_xyz_addon/static/src/**/*",
        ],
        "web.assets_tests": [
            "crm_xyz_addon/static/tests/tours/**/*",
        ],
    },
    "pre_init_hook": "pre_init_hook",
    "post_init_hook": "post_init_hook",
    "uninstall_hook": "uninstall_hook",
    "installable": True,
    "application": False,
}
