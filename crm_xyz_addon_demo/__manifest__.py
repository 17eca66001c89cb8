{
    "name": "Customer XYZ Analysis: Demo Data",
    "summary": "Realistic demo data for crm_xyz_addon: five salespeople, customers of every "
    "stage and class, 18 months of orders, invoices, payments, activities and meetings",
    "version": "18.0.1.0.0",
    "category": "Sales",
    "license": "LGPL-3",
    "author": "crm_xyz_addon developers",
    "website": "https://github.com/crm-xyz/crm_xyz_addon",
    "depends": ["crm_xyz_addon"],
    "demo": [
        "demo/crm_xyz_demo.xml",
        "demo/crm_xyz_demo_generate.xml",
    ],
    "installable": True,
    "application": False,
}
