"""Legal obligations and their clocks: config, clock maths, the obligations cases carry."""
