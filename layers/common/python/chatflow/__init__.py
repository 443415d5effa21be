"""ChatFlow360's domain: everything the functions share, nothing that knows about Lambda events."""
