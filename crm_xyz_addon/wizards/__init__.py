from . import crm_xyz_manager_report
from . import crm_xyz_manager_report_line
from . import mail_activity_schedule
from . import crm_xyz_order_analysis
from . import crm_xyz_order_analysis_line
from . import crm_xyz_document_line
from . import crm_xyz_order_documents
from . import crm_xyz_customer_balance
