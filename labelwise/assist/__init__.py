"""Algorithms that help labeling: duplicate detection (MinHash/LSH, perceptual hashes), built-in models,
active learning, label-error detection (cross-validation + confident learning) and automated labeling
(precision-guaranteed confidence thresholds). Pure Python/numpy/scikit-learn."""
