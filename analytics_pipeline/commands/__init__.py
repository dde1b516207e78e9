"""The commands behind `analytics-pipeline` (cli.py parses their arguments):
each loads the whole code location or drives several layers, so they sit above
`definitions.py` and every layer; nothing below imports them."""
