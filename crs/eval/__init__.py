"""Evaluation: metrics, episode runners and reports."""
