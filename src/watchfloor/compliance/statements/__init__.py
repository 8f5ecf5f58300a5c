"""DSA statements of reasons: built from decisions, checked against the Transparency Database's rules, submitted in batches."""
