"""labelwise: self-hosted data labeling."""

__version__ = "0.1.0"

from labelwise.sdk import ApiError, Client  # noqa: E402

__all__ = ["ApiError", "Client", "__version__"]
