"""Views are added by the capability that needs them."""
