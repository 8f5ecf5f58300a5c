"""The DSA transparency report: the counts the harmonised templates ask for, as CSV, HTML, JSON and a console page."""
