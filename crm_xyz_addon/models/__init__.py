from . import res_company
from . import res_config_settings
from . import res_partner
from . import crm_xyz_classification

# the run before the portfolio: the portfolio's view reads the runs' purchase model
from . import crm_xyz_run
from . import crm_xyz_portfolio
from . import crm_xyz_warning
from . import crm_xyz_history
from . import crm_xyz_completeness_snapshot
from . import crm_xyz_received_payment
from . import crm_xyz_report_summary
from . import account_partial_reconcile
from . import account_move
from . import sale_order
from . import sale_report
from . import mail_activity
from . import mail_message
from . import crm_xyz_agenda
from . import crm_xyz_salesperson_history
from . import res_partner_salesperson
from . import res_users
from . import ir_config_parameter
