"""The offline reference engine: reasoners over the DDXPlus knowledge base that need no API key.

``knowledge`` loads the shipped DDXPlus data (``data/ddxplus/``, CC BY 4.0) and reads findings out
of text; the provider adapter is ``panels.providers.builtin``. Pure: no Django, no network.
"""
