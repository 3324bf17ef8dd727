"""labelwise: self-hosted data labeling."""
