"""Labeling: the queue and its order, reading tasks, submitting annotations, model predictions."""
