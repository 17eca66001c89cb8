from . import test_smoke
from . import test_classification_math
from . import test_classification
from . import test_benchmark_smoke
