from . import crm_xyz_manager_report
