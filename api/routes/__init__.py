"""The partner API's routes, one module per resource."""
