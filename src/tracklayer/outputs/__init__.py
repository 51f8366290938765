"""Writing a run's results to disk: output folders and how they are replaced."""
