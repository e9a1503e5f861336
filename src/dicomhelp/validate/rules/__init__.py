"""The validator's rules, one module per family; each exposes ``check(ctx)``."""
