from . import crm_xyz_agenda
