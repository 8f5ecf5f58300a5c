"""Obligations that start themselves from case events (reports, decisions), and the follow-ups an obligation sets off when it starts or is met."""
