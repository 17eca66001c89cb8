from . import crm_xyz_manager_report
from . import crm_xyz_manager_report_service
from . import crm_xyz_run
