"""DSA Art. 20 internal complaints (appeals) against decisions, and their outcomes."""
