from . import res_company
from . import res_config_settings
from . import res_partner
from . import crm_xyz_run
from . import crm_xyz_history
from . import sale_order
from . import sale_report
from . import crm_xyz_demo
