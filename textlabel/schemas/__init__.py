"""marshmallow schemas at the boundary: API input and output, import payloads."""
