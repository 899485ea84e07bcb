"""Business rules: plain functions and value objects, no I/O."""
