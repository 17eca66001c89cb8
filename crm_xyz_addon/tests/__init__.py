from . import test_smoke
from . import test_classification
from . import test_agenda
from . import test_agenda_tour
