"""Media: what a file is, media imports into tasks, and signed media URLs."""
