"""The incident report: a context rebuilt from the incident directory alone, rendered to md/txt/html.

`incident` reads the directory (the edge), `context` turns what was read into a frozen view model
(pure), `render` is the only jinja2 user. `responder report DIR` can therefore re-render at any time.
"""
