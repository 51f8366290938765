"""Figures of merit: track-to-truth scoring, detection, custody, accuracy, coverage."""
