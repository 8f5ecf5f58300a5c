"""Retention: how long each kind of data is kept, the daily job that deletes or redacts what is
past its period (unless a legal hold keeps it), its run log, and PII redaction of exports."""
