from . import test_agenda_stock
