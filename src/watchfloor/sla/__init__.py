"""SLA clocks: policies and calendars (config/sla.yaml), the pure clock maths, and the sweep
that warns, breaches and escalates."""
