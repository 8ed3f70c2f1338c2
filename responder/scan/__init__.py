"""`responder scan`: find Binance credentials in a tree and its git history before an attacker does.

Pure detectors (`detect`) turn one text into candidate credentials; `collect` walks a work tree and
streams every blob reachable in git history (`gitread`, git's own plumbing); `aggregate` keeps one
finding per credential and path with the commit that first exposed it; `verify` (the only part that
talks to the network, and only with `--verify`) asks Binance whether each distinct key is live;
`render` turns the result into a table, JSON or SARIF. Nothing here prints.
"""
