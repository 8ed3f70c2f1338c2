"""The one owner of an incident directory: its paths, the hash-chained journal (the only reader and
writer, always verified when read), the evidence store and manifest, and the findings file. Nothing
else in responder opens a file in an incident directory."""
