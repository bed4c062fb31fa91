"""What the local stack and its worker processes agree on (kept free of imports: workers load it cold)."""

#: Starts the stderr line that ends one invocation's output (never shown on the console).
OUTPUT_MARK = "\x1eintake-local-end "
