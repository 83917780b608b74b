"""The domain core: value objects and aggregates.  Imports no infrastructure."""
