from . import crm_xyz_order_analysis
from . import crm_xyz_order_documents
