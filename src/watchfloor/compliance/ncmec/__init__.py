"""The CyberTipline packet: what the person filing a report to NCMEC needs from a case."""
