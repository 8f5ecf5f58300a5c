"""Incidents: escalations bigger than one case, with roles, a timeline, stakeholder updates,
tasks and a post-incident review."""
