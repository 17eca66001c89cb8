from . import crm_xyz_demo
