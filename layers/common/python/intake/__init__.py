"""intake: shared domain code for the application-intake functions (shipped as a Lambda layer)."""
