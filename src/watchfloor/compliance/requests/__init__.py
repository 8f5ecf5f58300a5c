"""Requests from authorities and regulators: intake (API and mail), their cases and clocks, and the response package."""
