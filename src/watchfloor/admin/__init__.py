"""Administration: the console's configuration pages."""
