"""labelwise: self-hosted data labeling."""

__version__ = "0.1.0"
