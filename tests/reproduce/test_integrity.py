"""Integrity of ``skvalence reproduce`` runs: nothing stale reused, nothing lost or mixed.

Each section reproduces one failure of issue 10 and asserts the fixed behaviour.
"""

# --- 2. stored results are reused only while every input they depend on is unchanged ---

# --- 3. a subset of steps refreshes that subset only ------------------------------------

# --- 4. one run per output folder; unique temporary names ------------------------------

# --- 5. figures are atomic and checked on reuse ----------------------------------------

# --- 8. CLI errors are one-line messages with exit status 2 -----------------------------
