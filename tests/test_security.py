"""Attacks on files a user's folder holds: none may run code, leak a file, or be trusted blindly.

Each section reproduces one failure of issue 10 and asserts the fixed behaviour.
"""

# --- 1. the embedding cache cannot run code ---------------------------------------------

# --- 6. stored step files are validated; the report embeds nothing from outside --out ---

# --- 7. loaders refuse to guess ----------------------------------------------------------
