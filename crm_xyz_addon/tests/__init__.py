from . import test_smoke
from . import test_classification_math
from . import test_classification
