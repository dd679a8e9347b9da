"""Architecture templates: keras.applications models as netcanvas graphs (GET /api/templates)."""
