from . import test_smoke
from . import test_classification
from . import test_demo_data
