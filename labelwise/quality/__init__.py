"""Quality control: agreement metrics and label aggregation, pure numpy/scipy.

Nothing here imports FastAPI, SQLAlchemy or pandas; `labelwise.core` turns rows into the
integer-coded arrays these functions take.
"""

from labelwise.quality.errors import QualityInputError

__all__ = ["QualityInputError"]
