"""Insights: metrics, spikes, emerging clusters and reports."""
