"""`maestro lsp`: a language server for .maestro specs and .json request bodies.

Every finding comes from the compiler (compiler.pipeline, compiler.jsonbody,
compiler.fmt); the vocabulary (keywords, enums, docs, limits) from catalog.py.
server.py wires the features into pygls; the features themselves are plain
functions over a document's text and its analysis, so they can be tested and
timed without a client.

May import: compiler, grammar, transport, varargs, exitcodes, maestro_spec (its __version__)
"""
