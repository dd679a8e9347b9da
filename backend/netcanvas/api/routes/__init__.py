"""One router per resource; api.main joins them."""
