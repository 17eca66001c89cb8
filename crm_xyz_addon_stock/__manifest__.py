{
    "name": "Customer XYZ Analysis: Inventory Deliveries",
    "summary": "Puts the scheduled outgoing transfers of confirmed orders "
    "on the salesperson agenda",
    "version": "18.0.1.1.0",
    "category": "Sales",
    "license": "LGPL-3",
    "author": "crm_xyz_addon developers",
    "website": "https://github.com/crm-xyz/crm_xyz_addon",
    "depends": ["crm_xyz_addon", "sale_stock"],
    "data": [],
    "installable": True,
    "auto_install": True,
}
