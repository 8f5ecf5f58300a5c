"""Quality review: sampling, blind review, agreement, feedback."""
