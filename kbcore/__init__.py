"""Code shared by the generator and both services: settings, the manifest of published articles.

Nothing here imports Flask or MkDocs, so each service can import it without the other's stack.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
