"""Ranking: collaborative (EASE), content, order-aware sequence model, history, calibration."""
