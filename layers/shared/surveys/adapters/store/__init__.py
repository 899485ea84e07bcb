"""DynamoDB, described once as PynamoDB models with the named operations the use cases call:
one module per table (the state table holds several kinds of item). Nothing else in the shared
layer builds a DynamoDB read or write."""
