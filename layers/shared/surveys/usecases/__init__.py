"""What the functions do, one module per use case: scan, send, record a rating, write back."""
