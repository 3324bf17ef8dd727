"""Media: what a file is (images measured, audio and video told by their bytes) and signed media URLs."""
