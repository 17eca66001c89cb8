from . import test_smoke
from . import test_security
from . import test_i18n
from . import test_classification_math
from . import test_classification
from . import test_menus_tour
from . import test_manager_report
from . import test_manager_report_ui
