"""Running a labeling operation: worker links for a crowd without accounts, and forecasts of time and cost."""
