from . import test_smoke
from . import test_classification
from . import test_manager_report
from . import test_manager_report_ui
