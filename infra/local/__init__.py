"""The local stack: the same functions as AWS, on one machine."""
