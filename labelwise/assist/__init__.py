"""Algorithms that help labeling: duplicate detection (MinHash/LSH, perceptual hashes). Pure Python/numpy."""
